import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditLog } from "../src/audit/audit-log.js";
import { verifyAudit } from "../src/audit/audit-reader.js";

export interface AuditBenchResult {
  eventsPerSec: number;
  events: number;
  ms: number;
}

/**
 * Durable audit throughput: `concurrency` appenders each await their own
 * appends (as request handlers do) until `events` are written. Timing stops
 * after close(), so every event is fdatasync'd. The log is verified afterwards.
 */
export async function benchAuditThroughput(
  opts: { events?: number; concurrency?: number } = {},
): Promise<AuditBenchResult> {
  const events = opts.events ?? 50_000;
  const concurrency = opts.concurrency ?? 256;
  const dir = await mkdtemp(join(tmpdir(), "audit-bench-"));
  try {
    const path = join(dir, "audit.jsonl");
    const log = await openAuditLog({ path, retentionDays: 0 });
    let next = 0;
    const appender = async (worker: number): Promise<void> => {
      while (next < events) {
        const n = next++;
        await log.append({
          type: n % 7 === 0 ? "rbac.denied" : "exec.request",
          actor: { type: "user", id: `user${worker}@company.com`, remoteIp: "10.0.0.1" },
          outcome: n % 7 === 0 ? "denied" : "pending",
          metadata: { tool: "bash", command: "ls -la /workspace", n },
        });
      }
    };
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, (_, w) => appender(w)));
    await log.close();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const check = await verifyAudit(path);
    if (!check.ok || check.lines !== events) throw new Error(`bench log did not verify: ${JSON.stringify(check)}`);
    return { eventsPerSec: Math.round((events / ms) * 1000), events, ms: Math.round(ms) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
