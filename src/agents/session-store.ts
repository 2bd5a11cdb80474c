/**
 * Where sessions live. A session belongs to the principal that created it: the
 * same key used by two principals names two sessions. The file store is the
 * only adapter today; a shared store (Redis/Valkey) implements the same interface.
 */
import type { TranscriptEntry } from "./types.js";

export interface SessionEntry {
  owner: string;
  /** Canonical `agent:<agentId>:<name>`. */
  key: string;
  agentId: string;
  /** Random id; the transcript's name on disk. A reset gives a new one. */
  sessionId: string;
  createdAt: number;
  updatedAt: number;
  model?: string;
  modelProvider?: string;
  inputTokens: number;
  outputTokens: number;
}

export interface SessionStore {
  get(owner: string, key: string, agentId: string): Promise<SessionEntry | undefined>;
  /** The existing session, or a new empty one. */
  ensure(owner: string, key: string, agentId: string): Promise<SessionEntry>;
  /** Sessions of one owner (or every owner when `owner` is undefined), newest first. */
  list(filter: { owner?: string; agentId?: string }): Promise<SessionEntry[]>;
  /** Appends whole messages to the transcript, one line each. */
  append(entry: SessionEntry, messages: TranscriptEntry[]): Promise<void>;
  read(entry: SessionEntry): Promise<TranscriptEntry[]>;
  /** Records a finished run's usage and model. */
  recordRun(entry: SessionEntry, run: { provider: string; model: string; inputTokens: number; outputTokens: number; at: number }): Promise<SessionEntry>;
  /** Forgets the conversation (the transcript is removed) and starts a new sessionId; usage restarts. */
  reset(owner: string, key: string, agentId: string): Promise<SessionEntry | undefined>;
  /** Removes the session and its transcript. */
  delete(owner: string, key: string, agentId: string): Promise<boolean>;
}
