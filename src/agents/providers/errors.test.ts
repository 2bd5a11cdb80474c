/** Error mapping pieces: key scrubbing, Retry-After, status kinds, tool-argument parsing. */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { parseToolArgs } from "./call.js";
import { kindForStatus, parseRetryAfter, scrub } from "./errors.js";
import { ProviderError } from "./types.js";

test("scrub removes the configured key wherever it appears, key-shaped tokens, and bounds the length", () => {
  const key = `-${crypto.randomBytes(12).toString("base64url")}`; // short, not key-shaped by itself
  const vendorKey = `sk-proj-${crypto.randomBytes(30).toString("base64url")}`;
  const out = scrub(`Incorrect API key provided: ${key}. Also ${vendorKey} and sk-abc1***********wxyz.`, key);
  assert.ok(!out.includes(key) && !out.includes(vendorKey) && !out.includes("sk-abc1"));
  assert.match(out, /^Incorrect API key provided: \[redacted\]\. Also \[redacted\] and \[redacted\]\.$/);
  assert.equal(scrub("word ".repeat(300), undefined).length, 301);
  assert.equal(scrub("line one\n  line two", undefined), "line one line two");
});

test("Retry-After: delta-seconds, an HTTP date, retry-after-ms first; garbage ignored", () => {
  const now = Date.parse("2026-11-29T04:00:00Z");
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "7" }), now), 7);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "1.5" }), now), 1.5);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "Sun, 29 Nov 2026 04:00:30 GMT" }), now), 30);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "Sun, 29 Nov 2026 03:00:00 GMT" }), now), 0);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "7", "retry-after-ms": "250" }), now), 0.25);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "soon" }), now), undefined);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "-3" }), now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test("status → kind", () => {
  const table: [number, string][] = [
    [400, "bad_request"],
    [401, "auth"],
    [403, "auth"],
    [404, "bad_request"],
    [408, "server"],
    [413, "bad_request"],
    [422, "bad_request"],
    [429, "rate_limited"],
    [500, "server"],
    [503, "server"],
    [529, "server"],
  ];
  for (const [status, kind] of table) assert.equal(kindForStatus(status), kind, String(status));
});

test("tool arguments: empty is {}, an object parses, anything else is a protocol error naming the tool", () => {
  assert.deepEqual(parseToolArgs("p", { id: "1", name: "read", json: "  " }).args, {});
  assert.deepEqual(parseToolArgs("p", { id: "1", name: "read", json: '{"path":"a"}' }).args, { path: "a" });
  for (const json of ['{"path":', "[1,2]", '"text"', "null", "42"]) {
    assert.throws(
      () => parseToolArgs("p", { id: "1", name: "read", json }),
      (e: unknown) => e instanceof ProviderError && e.kind === "protocol" && /"read"/.test(e.message) && !e.message.includes(json),
      json,
    );
  }
});
