import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { AuditInput } from "../core/audit-types.js";

/** A fresh temp dir for one test. */
export function tempDir(prefix = "audit-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function event(over: Partial<AuditInput> = {}): AuditInput {
  return {
    type: "auth.login",
    actor: { type: "device", id: "device-abc123", remoteIp: "192.168.1.100" },
    outcome: "success",
    metadata: { method: "device-token" },
    ...over,
  };
}

/** A writable that keeps what is written, for CLI tests. */
export class TextSink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Polls `cond` up to `timeoutMs` (for observing another process or a follow loop). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
