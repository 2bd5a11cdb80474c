/**
 * Spawns one process in its own process group with a given (minimal)
 * environment, keeps at most `maxOutputBytes` of stdout and of stderr, and
 * kills the whole group on timeout or abort (SIGTERM, then SIGKILL after a
 * short grace). Processes left in the group when the command exits are killed
 * too, so nothing outlives the call.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { constants } from "node:os";
import { GatewayError } from "../core/errors.js";
import { utf8Prefix } from "./utf8.js";

export interface RunProcessOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL (default 500 ms). */
  killGraceMs?: number;
  /**
   * The process is bubblewrap started with `--info-fd 3`: fd 3 is a pipe whose
   * JSON names the sandbox's init (`child-pid`). It runs in a session of its own,
   * out of reach of the group kill, so timeouts and aborts kill it directly
   * (from outside its PID namespace, which takes the whole namespace down).
   */
  bwrapInfoFd?: boolean;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  /** Set when the command was stopped by a sandbox limit (tools.sandbox.maxCpuSeconds / maxFileBytes). */
  limitExceeded?: "maxCpuSeconds" | "maxFileBytes";
}

/** After the command exits, how long stdout/stderr may stay open (held by an escaped descendant). */
const DRAIN_AFTER_EXIT_MS = 500;

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.max - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    this.truncated = true;
    this.chunks.push(utf8Prefix(chunk, room)); // never ends inside a UTF-8 sequence
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function exitCodeOf(code: number | null, sig: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = sig ? constants.signals[sig] : undefined;
  return n === undefined ? 1 : 128 + n;
}

export function runProcess(opts: RunProcessOptions): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GatewayError("UNAVAILABLE", "tool call aborted"));
      return;
    }
    const child = spawn(opts.file, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: opts.bwrapInfoFd ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
    }) as ChildProcessByStdio<null, Readable, Readable>;
    let sandboxInit: number | undefined;
    const info = opts.bwrapInfoFd ? (child.stdio[3] as Readable | null) : null;
    if (info) {
      let text = "";
      info.on("data", (c: Buffer) => {
        text += c.toString("utf8");
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (m) sandboxInit = Number(m[1]);
        if (text.length > 4096) info.destroy();
      });
      info.on("error", () => undefined);
    }
    const stdout = new CappedOutput(opts.maxOutputBytes);
    const stderr = new CappedOutput(opts.maxOutputBytes);
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));

    let timedOut = false;
    let aborted = false;
    let exit: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      // Only while bwrap has not exited: until it reaps its child, that pid cannot be reused.
      if (sandboxInit !== undefined && exit === undefined) {
        try {
          process.kill(sandboxInit, "SIGKILL");
        } catch {
          // ESRCH: already gone.
        }
      }
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = () => {
      killGroup("SIGTERM");
      graceTimer ??= setTimeout(() => killGroup("SIGKILL"), opts.killGraceMs ?? 500);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (e) => {
      cleanup();
      killGroup("SIGKILL");
      reject(new GatewayError("UNAVAILABLE", "command could not be started", { cause: e }));
    });
    child.on("exit", (code, sig) => {
      exit = { code, sig };
      killGroup("SIGKILL"); // background jobs of the command do not outlive it
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        info?.destroy();
      }, DRAIN_AFTER_EXIT_MS);
    });
    child.on("close", (code, sig) => {
      cleanup();
      if (aborted) {
        reject(new GatewayError("UNAVAILABLE", "tool call aborted"));
        return;
      }
      const status = exit ?? { code, sig };
      resolve({
        exitCode: exitCodeOf(status.code, status.sig),
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
      });
    });
  });
}
