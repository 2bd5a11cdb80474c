import type { z } from "zod";
import type { SandboxSettings } from "../sandbox/settings.js";

/** Where file tools and `bash` are allowed to reach. See docs/sandbox.md. */
export type ToolPolicy = "sandbox" | "host";

/** Every hardening limit of the built-in tools, each with a safe default. */
export interface ToolLimits {
  /** Bytes of file content returned by one `read` (default 256 KiB). */
  maxReadBytes: number;
  /** Largest content `write` or `edit` will store (default 10 MiB). */
  maxWriteBytes: number;
  /** Bytes kept from `bash` stdout and from stderr, each (default 1 MiB). */
  maxOutputBytes: number;
  /** `bash` timeout when the caller gives none (default 30 s). */
  defaultTimeoutMs: number;
  /** Upper bound on any `bash` timeout (default 10 min). */
  maxTimeoutMs: number;
  /** Entries returned by `glob` and `search` (default 1000). */
  maxResults: number;
  /** `search` skips files bigger than this (default 2 MiB). */
  maxSearchFileBytes: number;
  /** Wall-clock budget of one `search` or `glob` walk (default 10 s). */
  searchTimeoutMs: number;
  /** Warm worker threads shared by every `glob` and `search` call (default 2; started on first use). */
  searchWorkers: number;
  /** `glob`/`search` calls that may wait for a worker; one more is refused `RATE_LIMITED` (default 64). */
  searchQueueMax: number;
  /**
   * What `read` returns for a binary file (a NUL byte in its first 8 KiB): `omit` (default)
   * returns only `{binary: true, bytes}`; `base64` also returns the content, base64, capped at maxReadBytes.
   */
  binaryFiles: "omit" | "base64";
}

export const defaultToolLimits: Readonly<ToolLimits> = Object.freeze({
  maxReadBytes: 256 * 1024,
  maxWriteBytes: 10 * 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 10 * 60_000,
  maxResults: 1000,
  maxSearchFileBytes: 2 * 1024 * 1024,
  searchTimeoutMs: 10_000,
  searchWorkers: 2,
  searchQueueMax: 64,
  binaryFiles: "omit",
});

/** What a tool call needs to know about the agent it runs for. */
export interface ToolContext {
  agentId: string;
  /** Absolute path of the agent workspace. */
  workspace: string;
  policy: ToolPolicy;
  limits: ToolLimits;
  /** Paths never visible to tools (e.g. the state dir), even inside the workspace. */
  hiddenPaths: string[];
  signal?: AbortSignal;
  /** bubblewrap binary for `bash` under `sandbox` (config `tools.exec.bwrapPath`, default "bwrap"). */
  bwrapPath?: string;
  /** Sandbox user and resource limits for `bash` (config `tools.sandbox`; default defaultSandboxSettings). */
  sandbox?: SandboxSettings;
}

export interface ToolDefinition<A = unknown> {
  name: string;
  /** True when the tool can change anything (a `read-only` role may not call it). */
  mutates: boolean;
  schema: z.ZodType<A>;
  run(args: A, ctx: ToolContext): Promise<unknown>;
}
