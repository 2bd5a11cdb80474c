/**
 * Sessions as files: `<state>/agents/<agentId>/sessions/` (0700) holds
 * `sessions.json` (the index: owner, key, sessionId, usage; written atomically)
 * and one `<sessionId>.jsonl` transcript per session (0600), one whole JSON
 * line per message, appended. A torn last line (crash mid-append) is skipped
 * on read and never breaks the lines before it.
 */
import { randomUUID } from "node:crypto";
import { appendFile, chmod, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, readJsonFile, writeFileAtomic } from "../store/atomic-file.js";
import type { SessionEntry, SessionStore } from "./session-store.js";
import type { TranscriptEntry } from "./types.js";

interface IndexFile {
  version: 1;
  sessions: SessionEntry[];
}

const SESSION_ID = /^[0-9a-f-]{36}$/;
const AGENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class FileSessionStore implements SessionStore {
  private readonly indexes = new Map<string, Promise<Map<string, SessionEntry>>>();
  /** The latest index write per agent, and the one not yet started (which new changes join). */
  private readonly writes = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Promise<void>>();

  constructor(
    private readonly stateDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  dirOf(agentId: string): string {
    // Agent ids are config keys (1-64 of A-Z a-z 0-9 _ -); anything else never becomes a path.
    if (!AGENT_ID.test(agentId)) throw new Error("invalid agent id");
    return path.join(this.stateDir, "agents", agentId, "sessions");
  }

  private transcriptPath(e: SessionEntry): string {
    if (!SESSION_ID.test(e.sessionId)) throw new Error("invalid session id in the session index");
    return path.join(this.dirOf(e.agentId), `${e.sessionId}.jsonl`);
  }

  private index(agentId: string): Promise<Map<string, SessionEntry>> {
    let p = this.indexes.get(agentId);
    if (!p) {
      p = (async () => {
        const file = await readJsonFile<IndexFile>(path.join(this.dirOf(agentId), "sessions.json"));
        const m = new Map<string, SessionEntry>();
        for (const s of file?.sessions ?? []) if (s.agentId === agentId && SESSION_ID.test(s.sessionId)) m.set(slot(s.owner, s.key), s);
        return m;
      })();
      p.catch(() => this.indexes.delete(agentId));
      this.indexes.set(agentId, p);
    }
    return p;
  }

  /**
   * Writes the index. Writes of one agent run one at a time, and changes made while one is waiting
   * share it (200 runs ending together cost a few writes, not 200); a change made after a write
   * started its snapshot queues the next one.
   */
  private save(agentId: string): Promise<void> {
    const waiting = this.queued.get(agentId);
    if (waiting) return waiting;
    const prev = this.writes.get(agentId) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(async () => {
        this.queued.delete(agentId);
        const m = await this.index(agentId);
        await this.ensureDirs(agentId);
        const body: IndexFile = { version: 1, sessions: [...m.values()] };
        await writeFileAtomic(path.join(this.dirOf(agentId), "sessions.json"), `${JSON.stringify(body)}\n`, 0o600);
      });
    this.queued.set(agentId, next);
    this.writes.set(agentId, next);
    return next;
  }

  private async ensureDirs(agentId: string): Promise<void> {
    await ensurePrivateDir(path.join(this.stateDir, "agents"));
    await ensurePrivateDir(path.join(this.stateDir, "agents", agentId));
    await ensurePrivateDir(this.dirOf(agentId));
  }

  async get(owner: string, key: string, agentId: string): Promise<SessionEntry | undefined> {
    return (await this.index(agentId)).get(slot(owner, key));
  }

  async ensure(owner: string, key: string, agentId: string): Promise<SessionEntry> {
    const m = await this.index(agentId);
    const existing = m.get(slot(owner, key));
    if (existing) return existing;
    const at = this.now();
    const entry: SessionEntry = { owner, key, agentId, sessionId: randomUUID(), createdAt: at, updatedAt: at, inputTokens: 0, outputTokens: 0 };
    m.set(slot(owner, key), entry);
    await this.save(agentId);
    return entry;
  }

  async list(filter: { owner?: string; agentId?: string }): Promise<SessionEntry[]> {
    const agentIds = filter.agentId !== undefined ? [filter.agentId] : [...this.indexes.keys()];
    const out: SessionEntry[] = [];
    for (const id of agentIds) for (const e of (await this.index(id)).values()) if (filter.owner === undefined || e.owner === filter.owner) out.push(e);
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Loads the indexes of these agents (so `list` without an agentId sees sessions from before a restart). */
  async preload(agentIds: Iterable<string>): Promise<void> {
    for (const id of agentIds) await this.index(id);
  }

  async append(entry: SessionEntry, messages: TranscriptEntry[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureDirs(entry.agentId);
    const file = this.transcriptPath(entry);
    // One write per call: each message is one complete line.
    await appendFile(file, messages.map((m) => `${JSON.stringify(m)}\n`).join(""), { mode: 0o600 });
    await chmod(file, 0o600);
  }

  async read(entry: SessionEntry): Promise<TranscriptEntry[]> {
    let text: string;
    try {
      text = await readFile(this.transcriptPath(entry), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const out: TranscriptEntry[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        out.push(JSON.parse(line) as TranscriptEntry);
      } catch {
        // A torn final line from a crash mid-append: the messages before it stand.
      }
    }
    return out;
  }

  async recordRun(
    entry: SessionEntry,
    run: { provider: string; model: string; inputTokens: number; outputTokens: number; at: number },
  ): Promise<SessionEntry> {
    const m = await this.index(entry.agentId);
    const cur = m.get(slot(entry.owner, entry.key));
    if (!cur || cur.sessionId !== entry.sessionId) return entry; // reset or deleted meanwhile
    cur.model = run.model;
    cur.modelProvider = run.provider;
    cur.inputTokens += run.inputTokens;
    cur.outputTokens += run.outputTokens;
    cur.updatedAt = run.at;
    await this.save(entry.agentId);
    return cur;
  }

  async reset(owner: string, key: string, agentId: string): Promise<SessionEntry | undefined> {
    const m = await this.index(agentId);
    const cur = m.get(slot(owner, key));
    if (!cur) return undefined;
    const old = this.transcriptPath(cur);
    const at = this.now();
    const next: SessionEntry = { owner, key, agentId, sessionId: randomUUID(), createdAt: at, updatedAt: at, inputTokens: 0, outputTokens: 0 };
    m.set(slot(owner, key), next);
    await this.save(agentId);
    await unlink(old).catch(() => undefined);
    return next;
  }

  async delete(owner: string, key: string, agentId: string): Promise<boolean> {
    const m = await this.index(agentId);
    const cur = m.get(slot(owner, key));
    if (!cur) return false;
    m.delete(slot(owner, key));
    await this.save(agentId);
    await unlink(this.transcriptPath(cur)).catch(() => undefined);
    return true;
  }
}

function slot(owner: string, key: string): string {
  return `${owner}\u0000${key}`;
}
