/**
 * Run state: who is running what, keyed by (principal, runId) where runId is
 * the client's idempotencyKey, so a repeated key finds the same run (never a
 * second one) and two principals' keys never collide. Finished runs are kept
 * for `retainMs` (dedupe window, `agent.wait` after the end). In memory today;
 * a shared store implements the same interface.
 */
import type { RunStatus, Usage } from "./types.js";

export interface RunOutcome {
  status: Exclude<RunStatus, "running">;
  stopReason: string;
  text: string;
  turns: number;
  usage: Usage;
  provider?: string;
  model?: string;
  /** Present when status is error/timeout: safe to show (never a key). */
  error?: { code: string; message: string };
  endedAt: number;
}

export interface RunRecord {
  runId: string;
  ownerId: string;
  agentId: string;
  sessionKey: string;
  sessionId?: string;
  startedAt: number;
  status: RunStatus;
  outcome?: RunOutcome;
  /** Settles when the run ends (never rejects). */
  done: Promise<RunOutcome>;
  abort(reason: "aborted" | "timeout" | "shutdown"): void;
}

export interface RunStore {
  get(ownerId: string, runId: string): RunRecord | undefined;
  add(run: RunRecord): void;
  /** Running runs of one principal (optionally one session only). */
  running(ownerId?: string, sessionKey?: string): RunRecord[];
  /** Called when a run ends; starts its retention period. */
  finished(run: RunRecord, at: number): void;
}

export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly endedAt = new Map<string, number>();

  constructor(
    private readonly retainMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(ownerId: string, runId: string): RunRecord | undefined {
    return this.runs.get(slot(ownerId, runId));
  }

  add(run: RunRecord): void {
    this.sweep();
    this.runs.set(slot(run.ownerId, run.runId), run);
  }

  running(ownerId?: string, sessionKey?: string): RunRecord[] {
    const out: RunRecord[] = [];
    for (const r of this.runs.values())
      if (r.status === "running" && (ownerId === undefined || r.ownerId === ownerId) && (sessionKey === undefined || r.sessionKey === sessionKey)) out.push(r);
    return out;
  }

  finished(run: RunRecord, at: number): void {
    this.endedAt.set(slot(run.ownerId, run.runId), at);
  }

  private sweep(): void {
    const cutoff = this.now() - this.retainMs;
    for (const [k, at] of this.endedAt) {
      if (at > cutoff) break; // insertion order is end order
      this.endedAt.delete(k);
      this.runs.delete(k);
    }
  }
}

function slot(ownerId: string, runId: string): string {
  return `${ownerId}\u0000${runId}`;
}
