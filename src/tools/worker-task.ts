import type { PathScope } from "../sandbox/paths.js";

/** What the walk worker is asked to do; plain data (structured-clone safe). */
export interface GlobTask {
  kind: "glob";
  /** Resolved by the gateway (tools/scope.ts), as for `read`: plain data. */
  scope: PathScope;
  pattern: string;
  maxResults: number;
  /** Epoch ms after which the walk stops and returns what it has (truncated). */
  softDeadline: number;
}

export interface SearchTask {
  kind: "search";
  scope: PathScope;
  pattern: string;
  path: string;
  glob: string | undefined;
  maxResults: number;
  maxFileBytes: number;
  softDeadline: number;
}

export type WorkerTask = GlobTask | SearchTask;

/** A GatewayError flattened for postMessage. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type WorkerReply = { ok: true; value: unknown } | { ok: false; error: WireError };
