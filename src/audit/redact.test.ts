import assert from "node:assert/strict";
import { test } from "node:test";
import { REDACTED, isSecretKey, redactMetadata } from "./redact.js";

const PEM_KIND = ["OPENSSH", "PRIVATE", "KEY"].join(" ");
const PEM_HEAD = `-----BEGIN ${PEM_KIND}-----`;
const PEM_TAIL = `-----END ${PEM_KIND}-----`;

test("secret-looking keys are recognised case-insensitively", () => {
  const cases: [string, boolean][] = [
    ["token", true],
    ["deviceToken", true],
    ["ACCESS_TOKEN", true],
    ["password", true],
    ["Passwd", true],
    ["clientSecret", true],
    ["apiKey", true],
    ["api-key", true],
    ["x_api_key", true],
    ["Authorization", true],
    ["credentials", true],
    ["privateKey", true],
    ["cookie", true],
    ["sessionId", true],
    ["method", false],
    ["deviceId", false],
    ["command", false],
    ["changedKeys", false],
    ["requestId", false],
  ];
  for (const [key, secret] of cases) assert.equal(isSecretKey(key), secret, key);
});

test("nested secrets are replaced and never appear in the output", () => {
  const input = {
    method: "token",
    token: "tok-AAAA",
    nested: { Password: "pw-BBBB", list: [{ apiKey: "key-CCCC" }, "plain"], deeper: { credential: { x: "cred-DDDD" } } },
    header: "Bearer abc.def.ghi",
    // A PEM-shaped private key, built at test time (no key material is committed).
    pem: `${PEM_HEAD}\nEEEE\n${PEM_TAIL}`,
    count: 3,
  };
  const out = redactMetadata(input);
  const json = JSON.stringify(out);
  for (const secret of ["tok-AAAA", "pw-BBBB", "key-CCCC", "cred-DDDD", "abc.def.ghi", "EEEE"]) {
    assert.ok(!json.includes(secret), `${secret} leaked`);
  }
  assert.deepEqual(JSON.parse(json), {
    method: "token",
    token: REDACTED,
    nested: { Password: REDACTED, list: [{ apiKey: REDACTED }, "plain"], deeper: { credential: REDACTED } },
    header: REDACTED,
    pem: REDACTED,
    count: 3,
  });
});

test("output is plain JSON data whatever the input", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const out = redactMetadata({
    when: new Date(0),
    big: 10n,
    nan: Number.NaN,
    fn: () => 1,
    undef: undefined,
    arr: [undefined, 1],
    cyclic,
    long: "x".repeat(5000),
  });
  const back = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  assert.equal(back.when, "1970-01-01T00:00:00.000Z");
  assert.equal(back.big, "10");
  assert.equal(back.nan, null);
  assert.ok(!("fn" in back) && !("undef" in back));
  assert.deepEqual(back.arr, [null, 1]);
  assert.deepEqual(back.cyclic, { a: 1, self: "[Circular]" });
  assert.ok((back.long as string).length < 4200);
  assert.equal(JSON.stringify(redactMetadata(undefined)), "{}");
});

test("a __proto__ key is kept as data, not as a prototype", () => {
  const input = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as Record<string, unknown>;
  const out = redactMetadata(input);
  assert.equal(JSON.stringify(out), '{"__proto__":{"polluted":true},"ok":1}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("numbers and booleans under secret-named keys stay (token counts, flags); strings and objects do not", () => {
  const out = redactMetadata({
    usage: { inputTokens: 812, outputTokens: 64 },
    maxTokens: 4096,
    tokenRotated: true,
    token: "tok-FFFF",
    tokens: ["tok-GGGG"],
    apiKey: { value: "key-HHHH" },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(out)), {
    usage: { inputTokens: 812, outputTokens: 64 },
    maxTokens: 4096,
    tokenRotated: true,
    token: REDACTED,
    tokens: REDACTED,
    apiKey: REDACTED,
  });
});
