import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./io.js";
import { logOptions } from "./log-options.js";

test("log options: defaults, environment, and the flag winning over the environment", () => {
  assert.deepEqual(logOptions({}, {}), { level: "info", format: "pretty" });
  assert.deepEqual(logOptions({}, { CLAWDBOT_LOG_LEVEL: "debug", CLAWDBOT_LOG_FORMAT: "json" }), { level: "debug", format: "json" });
  assert.deepEqual(logOptions({ "log-level": "warn", "log-format": "pretty" }, { CLAWDBOT_LOG_LEVEL: "debug", CLAWDBOT_LOG_FORMAT: "json" }), { level: "warn", format: "pretty" });
  assert.deepEqual(logOptions({}, { CLAWDBOT_LOG_LEVEL: "" }), { level: "info", format: "pretty" });
});

test("log options: a bad value is a usage error naming the flag or variable it came from", () => {
  assert.throws(() => logOptions({ "log-level": "verbose" }, {}), (e: unknown) => e instanceof UsageError && /^--log-level: expected one of trace, debug, info, warn, error, silent$/.test(e.message));
  assert.throws(() => logOptions({}, { CLAWDBOT_LOG_FORMAT: "xml" }), (e: unknown) => e instanceof UsageError && /^CLAWDBOT_LOG_FORMAT: expected one of pretty, json$/.test(e.message));
});
