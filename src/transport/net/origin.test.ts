import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkOrigin, compileAllowedOrigins, isPageOrigin, normalizeOrigin, pageOriginOf } from "./origin.js";
import type { OriginDecision } from "./origin.js";

const ALLOWED = ["https://allowed.com", "http://localhost:18789", "https://app.example.com:8443/", "tauri://localhost"];
const OK: OriginDecision = { ok: true };
const NOT_ALLOWED: OriginDecision = { ok: false, reason: "origin_not_allowed" };
const MALFORMED: OriginDecision = { ok: false, reason: "origin_malformed" };

test("checkOrigin: table", () => {
  const cases: [string | undefined, OriginDecision][] = [
    [undefined, OK],
    ["https://allowed.com", OK],
    ["HTTPS://ALLOWED.COM", OK],
    ["https://Allowed.Com:443", OK],
    ["http://localhost:18789", OK],
    ["https://app.example.com:8443", OK],
    ["tauri://localhost", OK],
    ["TAURI://LOCALHOST", OK],
    // tricks
    ["https://evil.com.allowed.com", NOT_ALLOWED],
    ["https://allowed.com.evil.com", NOT_ALLOWED],
    ["https://allowed.com@evil.com", MALFORMED],
    ["https://user:pw@allowed.com", MALFORMED],
    ["https://allowed.com/", MALFORMED],
    ["https://allowed.com/path", MALFORMED],
    ["https://allowed.com?x=1", MALFORMED],
    ["https://allowed.com#x", MALFORMED],
    ["https://allowed.com\\@evil.com", MALFORMED],
    [" https://allowed.com", MALFORMED],
    ["https://allowed.com.", NOT_ALLOWED],
    ["http://allowed.com", NOT_ALLOWED],
    ["https://allowed.com:8443", NOT_ALLOWED],
    ["https://allowed.com:99999", MALFORMED],
    ["http://localhost", NOT_ALLOWED],
    ["http://localhost:80", NOT_ALLOWED],
    ["http://127.0.0.1:18789", NOT_ALLOWED],
    ["https://app.example.com", NOT_ALLOWED],
    ["null", NOT_ALLOWED],
    ["", MALFORMED],
    ["allowed.com", MALFORMED],
    ["//allowed.com", MALFORMED],
    ["https://", MALFORMED],
    ["javascript://allowed.com", NOT_ALLOWED],
  ];
  for (const [origin, want] of cases) assert.deepEqual(checkOrigin(origin, ALLOWED), want, String(origin));
});

test("checkOrigin: empty allow-list admits only header-less requests", () => {
  assert.deepEqual(checkOrigin(undefined, []), OK);
  assert.deepEqual(checkOrigin("https://allowed.com", []), NOT_ALLOWED);
});

test("checkOrigin: wildcard only when configured, and never for null or malformed", () => {
  const cases: [string, OriginDecision][] = [
    ["https://anything.example", OK],
    ["http://[::1]:3000", OK],
    ["null", NOT_ALLOWED],
    ["https://a.com/x", MALFORMED],
  ];
  for (const [origin, want] of cases) assert.deepEqual(checkOrigin(origin, ["*"]), want, origin);
  assert.equal(compileAllowedOrigins(["*"]).wildcard, true);
  assert.equal(compileAllowedOrigins(ALLOWED).wildcard, false);
  assert.deepEqual(checkOrigin("https://anything.example", ["https://*.example"]), NOT_ALLOWED);
});

test("normalizeOrigin", () => {
  const cases: [string, "header" | "config", string | null][] = [
    ["https://Example.COM:443", "header", "https://example.com"],
    ["http://example.com:80", "header", "http://example.com"],
    ["http://example.com:8080", "header", "http://example.com:8080"],
    ["https://bücher.example", "header", "https://xn--bcher-kva.example"],
    ["http://[::1]:18789", "header", "http://[::1]:18789"],
    ["https://example.com/", "config", "https://example.com"],
    ["https://example.com/", "header", null],
    ["https://example.com//", "config", null],
    ["https://example.com/app", "config", null],
  ];
  for (const [input, kind, want] of cases) {
    const r = normalizeOrigin(input, kind);
    assert.equal(r.ok ? r.origin : null, want, `${kind} ${input}`);
  }
});

test("compileAllowedOrigins reports bad entries with their index", () => {
  const c = compileAllowedOrigins(["https://ok.com", "null", "https://x.com/path", "ok.com", "*"]);
  assert.deepEqual(
    c.errors.map((e) => [e.index, e.entry]),
    [
      [1, "null"],
      [2, "https://x.com/path"],
      [3, "ok.com"],
    ],
  );
  assert.match(c.errors[0]?.message ?? "", /null/);
});

test("property: never throws; an allowed origin passes only when it normalises to an entry", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.webUrl().map((u) => new URL(u).origin)), (origin) => {
      const d = checkOrigin(origin, ALLOWED);
      if (d.ok) {
        const n = normalizeOrigin(origin);
        assert.ok(n.ok);
        const allowedNorm = ALLOWED.map((a) => normalizeOrigin(a, "config")).map((r) => (r.ok ? r.origin : ""));
        assert.ok(allowedNorm.includes(n.origin), origin);
      }
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.webUrl().map((u) => new URL(u).origin), (origin) => {
      if (origin === "null") return;
      assert.deepEqual(checkOrigin(origin, [origin]), OK, origin);
    }),
    { numRuns: 200 },
  );
});

{
  const cases: [Record<string, string>, boolean, string | undefined][] = [
    [{ host: "127.0.0.1:18789" }, false, "http://127.0.0.1:18789"],
    [{ host: "localhost:8080" }, false, "http://localhost:8080"],
    [{ host: "[::1]:9" }, false, "http://[::1]:9"],
    // A name over plain http could be DNS rebinding: not the page's origin by itself.
    [{ host: "evil.example:18789" }, false, undefined],
    // Forwarded headers count only from a trusted proxy.
    [{ host: "127.0.0.1:1", "x-forwarded-host": "gw.example", "x-forwarded-proto": "https" }, false, "http://127.0.0.1:1"],
    [{ host: "127.0.0.1:1", "x-forwarded-host": "gw.example", "x-forwarded-proto": "https" }, true, "https://gw.example"],
    [{ host: "gw.example", "x-forwarded-proto": "https" }, true, "https://gw.example"],
    [{ host: "GW.Example:443", "x-forwarded-proto": "HTTPS" }, true, "https://gw.example"],
    [{ host: "gw.example", "x-forwarded-proto": "ftp" }, true, undefined],
    [{ host: "a@b" }, false, undefined],
    [{}, false, undefined],
  ];
  for (const [headers, trusted, want] of cases)
    test(`pageOriginOf ${JSON.stringify(headers)} trusted=${trusted} → ${want}`, () => assert.equal(pageOriginOf(headers, trusted), want));
  test("isPageOrigin compares normalised origins", () => {
    assert.equal(isPageOrigin("http://127.0.0.1:18789", "http://127.0.0.1:18789"), true);
    assert.equal(isPageOrigin("HTTP://127.0.0.1:18789", "http://127.0.0.1:18789"), true);
    assert.equal(isPageOrigin("http://127.0.0.1:18788", "http://127.0.0.1:18789"), false);
    assert.equal(isPageOrigin("null", "http://127.0.0.1:18789"), false);
    assert.equal(isPageOrigin(undefined, "http://127.0.0.1:18789"), false);
    assert.equal(isPageOrigin("http://127.0.0.1:18789", undefined), false);
  });
}
