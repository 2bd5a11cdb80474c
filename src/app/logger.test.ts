import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { createLogger, LOG_LEVELS, REDACTED, type LogFormat, type LogLevel } from "./logger.js";

/** A logger whose lines are collected (the pino `sink()` pattern). */
function sink(level: LogLevel, format: LogFormat = "json"): { log: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += d));
  return { log: createLogger({ stream, level, format }), lines: () => text.split("\n").filter((l) => l !== "") };
}

test("level filtering: each level passes what is at or above it; silent passes nothing", () => {
  const order = ["debug", "info", "warn", "error"] as const;
  const rank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };
  for (const level of LOG_LEVELS) {
    const s = sink(level);
    for (const m of order) s.log[m]?.(`a ${m} line`);
    const seen = s.lines().map((l) => (JSON.parse(l) as { level: string }).level);
    assert.deepEqual(seen, order.filter((m) => rank[m] >= rank[level]), `--log-level ${level}`);
  }
});

test("json lines: level label, ISO time, message and structured fields", () => {
  const s = sink("info");
  s.log.info("clawdbot gateway listening", { event: "gateway.listening", address: "127.0.0.1", port: 18789 });
  const [line] = s.lines();
  const rec = JSON.parse(line as string) as Record<string, unknown>;
  assert.equal(rec.level, "info");
  assert.equal(rec.msg, "clawdbot gateway listening");
  assert.equal(rec.event, "gateway.listening");
  assert.equal(rec.address, "127.0.0.1");
  assert.equal(rec.port, 18789);
  assert.equal(new Date(rec.time as string).toISOString(), rec.time);
  // A message is not a format string.
  s.log.warn("100% of %s %d %j");
  assert.equal((JSON.parse(s.lines()[1] as string) as { msg: string }).msg, "100% of %s %d %j");
});

test("redaction by path: a secret in a structured field never reaches the output, in either format", () => {
  for (const format of ["json", "pretty"] as const) {
    const secret = `-${randomBytes(24).toString("base64url")}`;
    const s = sink("debug", format);
    s.log.info("request", {
      token: secret,
      password: secret,
      apiKey: secret,
      deviceToken: secret,
      authorization: `Bearer ${secret}`,
      headers: { authorization: `Bearer ${secret}`, cookie: `s=${secret}`, "set-cookie": `s=${secret}`, "x-api-key": secret, accept: "*/*" },
      client: { token: secret, id: "cli" },
      req: { headers: { authorization: `Bearer ${secret}` } },
    });
    s.log.error("failed", { provider: { apiKey: secret } });
    const out = s.lines().join("\n");
    assert.ok(!out.includes(secret), `${format}: ${out}`);
    assert.ok(out.includes(REDACTED));
    // What is not a secret stays.
    assert.match(out, /\*\/\*/);
    assert.match(out, /cli/);
    if (format === "json") {
      const rec = JSON.parse(s.lines()[0] as string) as { token: string; headers: Record<string, string>; client: Record<string, string> };
      assert.equal(rec.token, REDACTED);
      assert.equal(rec.headers.authorization, REDACTED);
      assert.equal(rec.client.token, REDACTED);
      assert.equal(rec.client.id, "cli");
    }
  }
});
