import assert from "node:assert/strict";
import { appendFile, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { openAuditLog } from "../audit/audit-log.js";
import { TextSink, event, tempDir, waitFor } from "../audit/test-support.js";
import { runAuditCommand } from "./audit.js";

const T0 = Date.parse("2024-01-15T10:00:00.000Z");
const MIN = 60_000;

async function sampleLog(): Promise<string> {
  const path = join(await tempDir("audit-cli-"), "audit.jsonl");
  const clock = new FakeClock(T0);
  const log = await openAuditLog({ path, clock, retentionDays: 0 });
  await log.append(event({ type: "auth.failure", outcome: "failure", actor: { type: "anonymous", id: "unknown" } }));
  clock.advance(10 * MIN);
  await log.append(event({ type: "rbac.denied", outcome: "denied", actor: { type: "user", id: "user@company.com" } }));
  clock.advance(10 * MIN);
  await log.append(event({ type: "auth.login", actor: { type: "user", id: "user@company.com" } }));
  clock.advance(10 * MIN);
  await log.append(event({ type: "auth.failure", outcome: "failure", actor: { type: "device", id: "evil\u001b[31m" } }));
  await log.close();
  return path;
}

async function run(path: string, args: string[], extra: { signal?: AbortSignal; stdout?: TextSink } = {}) {
  const stdout = extra.stdout ?? new TextSink();
  const stderr = new TextSink();
  const code = await runAuditCommand(args, {
    auditPath: path,
    stdout,
    stderr,
    now: () => T0 + 35 * MIN,
    signal: extra.signal,
    pollMs: 10,
  });
  return { code, out: stdout.text, err: stderr.text };
}

const jsonLines = (s: string) =>
  s
    .trimEnd()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; actor: { id: string }; ts: string });

test("query --json prints the stored objects exactly, filtered", async () => {
  const path = await sampleLog();
  const stored = (await readFile(path, "utf8")).trimEnd().split("\n");
  const all = await run(path, ["query", "--json"]);
  assert.equal(all.code, 0);
  assert.equal(all.out, `${stored.join("\n")}\n`);

  const cases: [string[], string[]][] = [
    [["--type", "auth.failure"], ["auth.failure", "auth.failure"]],
    [["--type", "auth.*"], ["auth.failure", "auth.login", "auth.failure"]],
    [["--actor", "user@company.com"], ["rbac.denied", "auth.login"]],
    [["--outcome", "denied"], ["rbac.denied"]],
    [["--since", "20m"], ["auth.login", "auth.failure"]],
    [["--since", "2024-01-15T10:10:00Z"], ["rbac.denied", "auth.login", "auth.failure"]],
    [["--limit", "2"], ["auth.login", "auth.failure"]],
    [["--type", "auth.failure", "--limit", "1"], ["auth.failure"]],
  ];
  for (const [args, types] of cases) {
    const r = await run(path, ["query", ...args, "--json"]);
    assert.equal(r.code, 0, args.join(" "));
    assert.deepEqual(jsonLines(r.out).map((l) => l.type), types, args.join(" "));
  }
  const last = jsonLines((await run(path, ["query", "--type", "auth.failure", "--limit", "1", "--json"])).out);
  assert.equal(last[0]?.actor.id, "evil\u001b[31m", "limit keeps the most recent");
});

test("query prints a table with terminal escapes neutralised", async () => {
  const path = await sampleLog();
  const r = await run(path, ["query"]);
  assert.equal(r.code, 0);
  const rows = r.out.trimEnd().split("\n");
  assert.match(rows[0] as string, /^TS\s+TYPE\s+OUTCOME\s+ACTOR\s+TRACE\s+METADATA$/);
  assert.equal(rows.length, 5);
  assert.match(rows[2] as string, /rbac\.denied\s+denied\s+user:user@company\.com/);
  assert.ok(!r.out.includes("\u001b"), "no raw escape reaches the terminal");
  assert.ok(r.out.includes("evil\\u001b[31m"));
});

test("usage errors exit 2", async () => {
  const path = await sampleLog();
  const cases = [
    ["query", "--bogus"],
    ["query", "--since", "yesterday"],
    ["query", "--limit", "0"],
    ["query", "positional"],
    ["tail", "-x"],
    ["stats", "--verbose"],
    ["verify", "--fix"],
    ["explode"],
    [],
  ];
  for (const args of cases) {
    const r = await run(path, args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, /Usage:/, args.join(" "));
  }
  const since = await run(path, ["query", "--since", "yesterday"]);
  assert.match(since.err, /invalid --since/);
});

test("a missing log exits 1", async () => {
  const r = await run(join(await tempDir("audit-cli-"), "none.jsonl"), ["stats"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /audit log not found/);
});

test("stats counts by type and outcome", async () => {
  const path = await sampleLog();
  const r = await run(path, ["stats", "--json"]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), {
    lines: 4,
    byType: { "auth.failure": 2, "rbac.denied": 1, "auth.login": 1 },
    byOutcome: { failure: 2, denied: 1, success: 1 },
    firstTs: "2024-01-15T10:00:00.000Z",
    lastTs: "2024-01-15T10:30:00.000Z",
  });
  const human = await run(path, ["stats"]);
  assert.match(human.out, /^events: 4$/m);
  assert.match(human.out, /^ {2}auth\.failure\s+2$/m);
});

test("verify exits 0 when intact and 1 with the first bad line", async () => {
  const path = await sampleLog();
  const ok = await run(path, ["verify"]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^OK: 4 lines in .*audit\.jsonl, hash chain intact/);
  const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
  lines[1] = (lines[1] as string).replace("rbac.denied", "rbac.allowed");
  await writeFile(path, `${lines.join("\n")}\n`);
  const bad = await run(path, ["verify"]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /^TAMPERED: line 2 of .*audit\.jsonl: /);
  const json = await run(path, ["verify", "--json"]);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.out) as { firstBadLine: number }).firstBadLine, 2);
});

test("tail -n prints the last lines; -f follows appends until aborted", async () => {
  const path = await sampleLog();
  const last2 = await run(path, ["tail", "-n", "2", "--json"]);
  assert.deepEqual(jsonLines(last2.out).map((l) => l.type), ["auth.login", "auth.failure"]);

  const ac = new AbortController();
  const stdout = new TextSink();
  const following = run(path, ["tail", "-f", "-n", "1", "--json"], { signal: ac.signal, stdout });
  await waitFor(() => jsonLines(stdout.text).length === 1);
  const log = await openAuditLog({ path, retentionDays: 0 });
  await log.append(event({ type: "config.change", actor: { type: "user", id: "owner" } }));
  await waitFor(() => jsonLines(stdout.text).length === 2);
  await log.close();
  // A line written in two pieces is printed once, whole, after its newline lands.
  const copy = (await readFile(path, "utf8")).trimEnd().split("\n")[0] as string;
  await appendFile(path, copy.slice(0, 40));
  await new Promise((r) => setTimeout(r, 40)); // a few 10 ms polls see the fragment
  await appendFile(path, `${copy.slice(40)}\n`);
  await waitFor(() => jsonLines(stdout.text).length === 3);
  ac.abort();
  const r = await following;
  assert.equal(r.code, 0);
  assert.equal(stdout.text.split("\n").at(-2), copy);
  assert.deepEqual(jsonLines(stdout.text).map((l) => l.type), ["auth.failure", "config.change", "auth.failure"]);
});

test("tail -f follows a retention rewrite without repeating lines", async () => {
  const path = join(await tempDir("audit-cli-"), "audit.jsonl");
  const clock = new FakeClock(T0);
  const log = await openAuditLog({ path, clock, retentionDays: 1 });
  await log.append(event({ type: "auth.failure", outcome: "failure" }));
  clock.advance(2 * 24 * 60 * MIN);
  await log.append(event({ type: "auth.login" }));

  const ac = new AbortController();
  const stdout = new TextSink();
  const following = run(path, ["tail", "-f", "--json"], { signal: ac.signal, stdout });
  await waitFor(() => jsonLines(stdout.text).length === 2);
  assert.deepEqual(await log.purgeExpired(), { removed: 1 });
  await log.append(event({ type: "config.change" }));
  await log.close();
  await waitFor(() => jsonLines(stdout.text).length >= 3);
  ac.abort();
  assert.equal((await following).code, 0);
  assert.deepEqual(jsonLines(stdout.text).map((l) => l.type), ["auth.failure", "auth.login", "config.change"]);
});

test("verify names adopted unchained lines and restore incidents", async () => {
  const dir = await tempDir("audit-cli-");
  const path = join(dir, "audit.jsonl");
  const plain = JSON.stringify({ ts: "2024-01-15T10:30:00.000Z", eventId: "550e8400-e29b-41d4-a716-446655440000", type: "auth.login", actor: { type: "device", id: "d" }, outcome: "success", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", metadata: {} });
  await writeFile(path, `${plain}\n${plain}\n`);
  const log = await openAuditLog({ path, clock: new FakeClock(T0), retentionDays: 0 });
  await unlink(path);
  await log.append(event());
  await log.close();
  const r = await run(path, ["verify"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^UNCHAINED: lines 1-2 were adopted without a hash chain/m);
  assert.match(r.out, /^WARNING: line 4 \(.*\): audit log deleted while the gateway was running; the gateway restored the file/m);
  const json = JSON.parse((await run(path, ["verify", "--json"])).out) as { unchained: unknown; incidents: unknown[] };
  assert.deepEqual(json.unchained, { from: 1, to: 2 });
  assert.equal(json.incidents.length, 1);
});
