import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { AuditFilter, QueriedLine, StoredAuditRecord } from "../audit/audit-reader.js";
import { auditStats, parseLine, parseSince, queryAuditLines, readLines, verifyAudit } from "../audit/audit-reader.js";
import { isGatewayError } from "../core/errors.js";
import { terminalSafe } from "../core/terminal-text.js";
import { ConfigError, auditPathFor, loadConfigFile, readConfigString, resolvePaths } from "../config/index.js";

export interface AuditCommandIo {
  auditPath: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  now?: () => number;
  /** Ends `tail -f`; without it, SIGINT does. */
  signal?: AbortSignal;
  /** How often `tail -f` looks for new lines (default 250 ms). */
  pollMs?: number;
}

export const AUDIT_USAGE = `Usage:
  clawdbot audit query [--type T] [--actor ID] [--outcome O] [--since 1h|ISO] [--limit N] [--json]
  clawdbot audit tail [-f] [-n N] [--json]
  clawdbot audit stats [--json]
  clawdbot audit verify [--json]
  (any of them) --file PATH   read this log instead of the one the config names

  --type     exact event type, or a prefix such as auth.*
  --since    a duration back from now (90s, 30m, 1h, 2d, 1w) or an ISO 8601 time
  --limit    keep the most recent N matches (printed oldest first)
  --json     one JSON object per line, exactly as stored (JSON Lines, like audit.jsonl itself);
             stats and verify print one JSON object
  -h, --help this help
  verify     exits 0 when the hash chain is intact, 1 at the first tampered line
`;

class UsageError extends Error {}

/** Neutralises terminal escapes and bidi overrides in text taken from the log (one function for every CLI). */
const safe = terminalSafe;

function positiveInt(value: string | undefined, flag: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive integer`);
  return Number(value);
}

function actorText(r: StoredAuditRecord): string {
  const a = r.actor;
  return `${a.type}:${a.id}${a.remoteIp ? `@${a.remoteIp}` : ""}`;
}

function metadataText(r: StoredAuditRecord): string {
  const json = JSON.stringify(r.metadata ?? {});
  return json === "{}" ? "" : json.length > 160 ? `${json.slice(0, 160)}…` : json;
}

function formatTable(rows: StoredAuditRecord[]): string {
  const cols = rows.map((r) => [r.ts, r.type, String(r.outcome), actorText(r), String(r.traceId), metadataText(r)].map(safe));
  const header = ["TS", "TYPE", "OUTCOME", "ACTOR", "TRACE", "METADATA"];
  const widths = header.map((h, i) => Math.max(h.length, ...cols.map((c) => (c[i] as string).length)));
  const fmt = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [fmt(header), ...cols.map(fmt)].join("\n") + "\n";
}

function printLines(lines: QueriedLine[], json: boolean, out: NodeJS.WritableStream, header = true): void {
  if (json) {
    for (const q of lines) out.write(`${q.text}\n`);
    return;
  }
  if (lines.length === 0) return;
  const table = formatTable(lines.map((q) => q.record));
  out.write(header ? table : table.slice(table.indexOf("\n") + 1));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function cmdQuery(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      type: { type: "string" },
      actor: { type: "string" },
      outcome: { type: "string" },
      since: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const filter: AuditFilter = {};
  if (values.type !== undefined) filter.type = values.type;
  if (values.actor !== undefined) filter.actor = values.actor;
  if (values.outcome !== undefined) filter.outcome = values.outcome;
  if (values.since !== undefined) filter.since = parseSince(values.since, (io.now ?? Date.now)());
  const limit = positiveInt(values.limit, "--limit");
  if (limit !== undefined) filter.limit = limit;
  const lines = await queryAuditLines(io.auditPath, filter);
  printLines(lines, values.json === true, io.stdout);
  if (!values.json && lines.length === 0) io.stderr.write("no matching audit events\n");
  return 0;
}

interface FollowState {
  offset: number;
  lineNo: number;
  ino: number;
  lastEventId?: string;
}

/** Reads whole lines appended since `st.offset`; a replaced file (retention) is re-read past the last seen event. */
async function readNew(path: string, st: FollowState): Promise<QueriedLine[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  let skipUntil: string | undefined;
  if (info.ino !== st.ino || info.size < st.offset) {
    skipUntil = st.lastEventId;
    Object.assign(st, { offset: 0, lineNo: 1, ino: info.ino });
  }
  const fresh: QueriedLine[] = [];
  const all: QueriedLine[] = [];
  for await (const raw of readLines(path, { start: st.offset, firstLineNo: st.lineNo })) {
    if (!raw.terminated) break;
    st.offset = raw.end;
    st.lineNo = raw.lineNo + 1;
    const line = parseLine(raw.text);
    if (line && typeof line.ts === "string" && typeof line.type === "string" && line.actor) {
      all.push({ record: line as unknown as StoredAuditRecord, text: raw.text });
    }
  }
  const seenAt = skipUntil === undefined ? -1 : all.findIndex((q) => q.record.eventId === skipUntil);
  fresh.push(...all.slice(seenAt + 1));
  const last = all[all.length - 1];
  if (last) st.lastEventId = last.record.eventId;
  return fresh;
}

async function follow(io: AuditCommandIo, st: FollowState, json: boolean): Promise<void> {
  const own = io.signal ? undefined : new AbortController();
  const signal = io.signal ?? (own as AbortController).signal;
  const onSigint = (): void => own?.abort();
  if (own) process.once("SIGINT", onSigint);
  try {
    while (!signal.aborted) {
      try {
        await sleep(io.pollMs ?? 250, undefined, { signal });
      } catch {
        break;
      }
      printLines(await readNew(io.auditPath, st), json, io.stdout, false);
    }
  } finally {
    if (own) process.removeListener("SIGINT", onSigint);
  }
}

async function cmdTail(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      follow: { type: "boolean", short: "f", default: false },
      lines: { type: "string", short: "n" },
      json: { type: "boolean", default: false },
    },
  });
  const n = positiveInt(values.lines, "-n", 10) as number;
  const json = values.json === true;
  const info = await stat(io.auditPath);
  const st: FollowState = { offset: 0, lineNo: 1, ino: info.ino };
  const all = await readNew(io.auditPath, st);
  printLines(all.slice(-n), json, io.stdout);
  if (values.follow) await follow(io, st, json);
  return 0;
}

async function cmdStats(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { json: { type: "boolean", default: false } } });
  const stats = await auditStats(io.auditPath);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(stats)}\n`);
    return 0;
  }
  const rows = (o: Record<string, number>): string =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, v]) => `  ${safe(k).padEnd(24)} ${v}\n`)
      .join("");
  io.stdout.write(
    `events: ${stats.lines}\nfirst:  ${safe(stats.firstTs ?? "-")}\nlast:   ${safe(stats.lastTs ?? "-")}\n` +
      `by type:\n${rows(stats.byType)}by outcome:\n${rows(stats.byOutcome)}`,
  );
  return 0;
}

async function cmdVerify(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { json: { type: "boolean", default: false } } });
  const result = await verifyAudit(io.auditPath);
  const file = safe(io.auditPath);
  if (values.json) io.stdout.write(`${JSON.stringify({ file: io.auditPath, ...result })}\n`);
  else if (result.ok) {
    const torn = result.tornTail ? " (ignoring an unterminated last line)" : "";
    io.stdout.write(`OK: ${result.lines} lines in ${file}, hash chain intact${torn}; head ${result.lastHash}\n`);
  } else io.stdout.write(`TAMPERED: line ${result.firstBadLine} of ${file}: ${result.reason}\n`);
  if (!values.json && result.unchained) {
    const u = result.unchained;
    io.stdout.write(`UNCHAINED: lines ${u.from}-${u.to} were adopted without a hash chain (written before it); they are sealed by the audit.adopt anchor after them\n`);
  }
  if (!values.json) for (const i of result.incidents ?? []) io.stdout.write(`WARNING: line ${i.line} (${safe(i.ts)}): ${safe(i.reason)}; the gateway restored the file (audit.break)\n`);
  return result.ok ? 0 : 1;
}

const COMMANDS: Record<string, (args: string[], io: AuditCommandIo) => Promise<number>> = {
  query: cmdQuery,
  tail: cmdTail,
  stats: cmdStats,
  verify: cmdVerify,
};

/** `clawdbot audit <query|tail|stats|verify> ...`; returns the exit code (2 = usage error). */
export async function runAuditCommand(args: string[], io: AuditCommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
    (sub === undefined ? io.stderr : io.stdout).write(AUDIT_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const cmd = Object.hasOwn(COMMANDS, sub) ? COMMANDS[sub] : undefined;
  if (!cmd) {
    io.stderr.write(`unknown audit command: ${safe(sub)}\n${AUDIT_USAGE}`);
    return 2;
  }
  if (!(await exists(io.auditPath))) {
    io.stderr.write(`audit log not found: ${io.auditPath}\n`);
    return 1;
  }
  try {
    return await cmd(rest, io);
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (usage || (isGatewayError(e) && e.code === "INVALID_REQUEST")) {
      io.stderr.write(`${safe((e as Error).message)}\n${AUDIT_USAGE}`);
      return 2;
    }
    io.stderr.write(`audit ${sub} failed: ${safe((e as Error).message)}\n`);
    return 1;
  }
}


/** Which log the audit commands read, and how that was decided (printed, never silent). */
export interface AuditTarget {
  path: string;
  /** Printed to stderr: which file, and why when it is not simply the configured one. */
  note: string;
}

/**
 * The audit log the config names. When the whole config cannot load (an unset
 * `${VAR}` elsewhere in the operator's shell), `gateway.audit.path` is read on
 * its own; when even that cannot be resolved, this throws a ConfigError naming
 * the key rather than falling back to `<state>/audit.jsonl`.
 */
export function resolveAuditTarget(opts: { configFlag?: string | undefined; env: NodeJS.ProcessEnv; fileFlag?: string | undefined }): AuditTarget {
  const paths = resolvePaths({ configFlag: opts.configFlag, env: opts.env });
  if (opts.fileFlag !== undefined) {
    const path = auditPathFor(process.cwd(), opts.fileFlag);
    return { path, note: `audit log: ${path} (--file)` };
  }
  const src = { path: paths.configPath, explicit: paths.configExplicit, env: opts.env };
  try {
    const loaded = loadConfigFile(src);
    const path = auditPathFor(paths.stateDir, loaded.config.gateway.audit.path);
    return { path, note: `audit log: ${path}${loaded.file ? "" : " (no config file: the default)"}` };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
  }
  try {
    const key = readConfigString(src, ["gateway", "audit", "path"]);
    const path = auditPathFor(paths.stateDir, key.value);
    return {
      path,
      note: `audit log: ${path} (the config ${paths.configPath} has errors elsewhere, see clawdbot config validate; gateway.audit.path ${key.value === undefined ? "is not set there: the default" : "was read on its own"})`,
    };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const why = e.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new ConfigError(
      [{ path: "gateway.audit.path", message: `cannot tell which audit log the config names (${why}); set the variable or pass --file PATH` }],
      paths.configPath,
    );
  }
}

/** `clawdbot audit …` from the command line: `--file PATH` or the configured log, always named on stderr. */
export async function runAuditCli(
  args: string[],
  io: { configFlag?: string | undefined; env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; signal?: AbortSignal },
): Promise<number> {
  const rest = [...args];
  let fileFlag: string | undefined;
  const fi = rest.findIndex((a) => a === "--file" || a.startsWith("--file="));
  if (fi >= 0) {
    const a = rest[fi] as string;
    fileFlag = a.includes("=") ? a.slice("--file=".length) : rest[fi + 1];
    rest.splice(fi, a.includes("=") ? 1 : 2);
    if (!fileFlag) {
      io.stderr.write(`--file needs a path\n${AUDIT_USAGE}`);
      return 2;
    }
  }
  const sub = rest[0];
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h" || !Object.hasOwn(COMMANDS, sub))
    return runAuditCommand(rest, { auditPath: "", stdout: io.stdout, stderr: io.stderr });
  let target: AuditTarget;
  try {
    target = resolveAuditTarget({ configFlag: io.configFlag, env: io.env, fileFlag });
  } catch (e) {
    io.stderr.write(`${safe((e as Error).message)}\n`);
    return 1;
  }
  io.stderr.write(`${safe(target.note)}\n`);
  return runAuditCommand(rest, { auditPath: target.path, stdout: io.stdout, stderr: io.stderr, ...(io.signal ? { signal: io.signal } : {}) });
}
