/** Runs a `clawdbot` command in-process (main.ts runCli) with captured streams: fast, same code path as the binary. */
import { Writable } from "node:stream";
import { runCli as runMain } from "../../src/cli/main.js";

export interface InProcResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Capture extends Writable {
  text = "";
  private waiters: { re: RegExp; resolve: () => void }[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    this.waiters = this.waiters.filter((w) => (w.re.test(this.text) ? (w.resolve(), false) : true));
    cb();
  }
  /** Resolves once the captured text matches `re`. */
  until(re: RegExp): Promise<void> {
    if (re.test(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

export async function cli(args: string[], env: NodeJS.ProcessEnv, opts: { signal?: AbortSignal; stdout?: Capture } = {}): Promise<InProcResult> {
  const stdout = opts.stdout ?? new Capture();
  const stderr = new Capture();
  const code = await runMain(args, { stdout, stderr, env, ...(opts.signal ? { signal: opts.signal } : {}) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
