/** Runs the real `clawdbot` executable (the compiled bin) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

export interface RunningGateway {
  child: ChildProcess;
  url: string;
  port: number;
  auditPath: string;
  stderr(): string;
  stdout(): string;
  exited: Promise<number | null>;
}

/** Starts `clawdbot gateway` and waits for its readiness line. */
export function spawnGateway(args: string[], env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "gateway", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 15_000);
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        const info = JSON.parse(line) as { url: string; port: number; auditPath: string };
        resolve({ child, ...info, stderr: () => err, stdout: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${err}`));
    });
  });
}
