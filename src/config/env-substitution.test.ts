import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { INVALID_REFERENCE, TOO_DEEP, UNTERMINATED_REFERENCE, substituteEnv, substituteString } from "./env-substitution.js";
import { isPrintableVarName } from "./secret-like.js";
import type { ConfigIssue } from "./errors.js";

const NAME = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
/** Text that cannot start a reference. */
const PLAIN = fc.string({ maxLength: 40 }).filter((s) => !s.includes("$"));
/** A plain default value: no closing brace and no `$` (a `${` there starts a nested reference). */
const DEFAULT = fc.string({ maxLength: 20 }).filter((s) => !s.includes("}") && !s.includes("$"));

function sub(input: string, env: NodeJS.ProcessEnv): { value: string; issues: ConfigIssue[]; usedEnv: boolean } {
  const issues: ConfigIssue[] = [];
  const r = substituteString(input, env, "k", issues);
  return { ...r, issues };
}

describe("substituteString properties", () => {
  it("(a) a string without $ is unchanged, with no issues", () => {
    fc.assert(
      fc.property(PLAIN, fc.dictionary(NAME, fc.string()), (s, env) => {
        const r = sub(s, env);
        assert.equal(r.value, s);
        assert.deepEqual(r.issues, []);
        assert.equal(r.usedEnv, false);
      }),
    );
  });

  it("(b) ${NAME} becomes exactly the value and the text around it is preserved", () => {
    fc.assert(
      fc.property(fc.dictionary(NAME, fc.string(), { minKeys: 1 }), PLAIN, PLAIN, fc.nat(), (env, before, after, pick) => {
        const names = Object.keys(env);
        const name = names[pick % names.length] as string;
        const r = sub(`${before}\${${name}}${after}`, env);
        assert.equal(r.value, `${before}${env[name]}${after}`);
        assert.deepEqual(r.issues, []);
        assert.equal(r.usedEnv, true);
      }),
    );
  });

  it("(b') several references are each replaced once (values are not re-expanded)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(NAME, fc.string(), PLAIN), { minLength: 1, maxLength: 5 }), (parts) => {
        const env: NodeJS.ProcessEnv = {};
        for (const [n, v] of parts) env[n] = v;
        const input = parts.map(([n, , sep]) => `\${${n}}${sep}`).join("");
        const expected = parts.map(([n, , sep]) => `${env[n]}${sep}`).join("");
        assert.equal(sub(input, env).value, expected);
      }),
    );
  });

  it("(c) never throws on any input, and never leaves ${NAME} for a set variable", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.dictionary(NAME, fc.string()), (s, env) => {
        sub(s, env);
      }),
    );
    const fragment = (names: string[]) =>
      fc.oneof(
        PLAIN,
        fc.constantFrom(...names).map((n) => `\${${n}}`),
        fc.tuple(fc.constantFrom(...names), DEFAULT).map(([n, d]) => `\${${n}:-${d}}`),
        fc.constantFrom("$", "{", "}", "$x", "${", "$}"),
      );
    fc.assert(
      fc.property(
        fc.dictionary(NAME, PLAIN.filter((v) => !v.includes("{")), { minKeys: 1 }).chain((env) =>
          fc.tuple(fc.constant(env), fc.array(fragment(Object.keys(env)), { maxLength: 8 })),
        ),
        ([env, frags]) => {
          const input = frags.join("");
          fc.pre(!input.includes("$${")); // `$${` is the escape for a literal `${`
          const out = sub(input, env).value;
          for (const n of Object.keys(env)) assert.ok(!out.includes(`\${${n}}`), `left \${${n}} in ${JSON.stringify(out)}`);
        },
      ),
    );
  });

  it("(d) the default is used iff the variable is unset or empty", () => {
    const valueState = fc.oneof(fc.constant(undefined), fc.constant(""), fc.string({ minLength: 1 }).map((v) => `v:${v}`));
    fc.assert(
      fc.property(NAME, valueState, DEFAULT.map((d) => `d:${d}`), (name, value, dflt) => {
        const env: NodeJS.ProcessEnv = value === undefined ? {} : { [name]: value };
        const r = sub(`\${${name}:-${dflt}}`, env);
        const useDefault = value === undefined || value === "";
        assert.equal(r.value, useDefault ? dflt : value);
        assert.deepEqual(r.issues, []);
      }),
    );
  });
});

describe("substituteString examples", () => {
  const cases: { input: string; env: NodeJS.ProcessEnv; value: string; issues: string[] }[] = [
    { input: "${A}", env: { A: "x" }, value: "x", issues: [] },
    { input: "${A}", env: {}, value: "", issues: ["environment variable A is not set"] },
    { input: "${A}", env: { A: "" }, value: "", issues: [] },
    { input: "${A:-}", env: {}, value: "", issues: [] },
    { input: "${A:-b:c}", env: {}, value: "b:c", issues: [] },
    { input: "$${A}", env: { A: "x" }, value: "${A}", issues: [] },
    { input: "$$${A}", env: { A: "x" }, value: "$${A}", issues: [] },
    { input: "${A}${B}", env: { A: "$", B: "{C}" }, value: "${C}", issues: [] },
    { input: "${1A}", env: {}, value: "", issues: ["invalid variable reference (use ${NAME} or ${NAME:-default}, or $${ for a literal ${)"] },
    { input: "price: $5 {x}", env: {}, value: "price: $5 {x}", issues: [] },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => {
      const r = sub(c.input, c.env);
      assert.equal(r.value, c.value);
      assert.deepEqual(r.issues.map((i) => i.message), c.issues);
    });
  }
});

describe("substituteEnv", () => {
  it("walks nested objects and arrays, recording the key paths that used the environment", () => {
    const r = substituteEnv({ gateway: { auth: { token: "${T}" }, trustedProxies: ["${P}", "10.0.0.0/8"] }, n: 5, b: true, z: null }, { T: "tok", P: "127.0.0.1" });
    assert.deepEqual(r.value, { gateway: { auth: { token: "tok" }, trustedProxies: ["127.0.0.1", "10.0.0.0/8"] }, n: 5, b: true, z: null });
    assert.deepEqual(r.fromEnv, ["gateway.auth.token", "gateway.trustedProxies[0]"]);
    assert.deepEqual(r.issues, []);
  });

  it("collects every missing variable with its key path", () => {
    const r = substituteEnv({ a: ["${X}"], b: { "c@d": "${Y}" } }, {});
    assert.deepEqual(r.issues, [
      { path: "a[0]", message: "environment variable X is not set" },
      { path: 'b["c@d"]', message: "environment variable Y is not set" },
    ]);
  });
});

describe("nested defaults and odd spellings (issue 9.12)", () => {
  const TOKEN = "nested-token-0123456789abcdef";
  const cases: { input: string; env: NodeJS.ProcessEnv; value: string; issues: string[] }[] = [
    { input: "${UNSET:-${GATEWAY_TOKEN}}", env: { GATEWAY_TOKEN: TOKEN }, value: TOKEN, issues: [] },
    { input: "${SET:-${GATEWAY_TOKEN}}", env: { SET: "s" }, value: "s", issues: [] },
    // The default is evaluated only when used: a missing variable inside an unused default is no error.
    { input: "${SET:-${MISSING}}", env: { SET: "s" }, value: "s", issues: [] },
    { input: "${UNSET:-${MISSING}}", env: {}, value: "", issues: ["environment variable MISSING is not set"] },
    { input: "${A:-${B:-${C:-deep}}}", env: {}, value: "deep", issues: [] },
    { input: "${A:-pre-${B}-post}", env: { B: "b" }, value: "pre-b-post", issues: [] },
    { input: "${A:-$${B}}", env: {}, value: "${B}", issues: [] },
    { input: "${A:-}", env: {}, value: "", issues: [] },
    { input: "${A:-}x", env: { A: "" }, value: "x", issues: [] },
    { input: "${A", env: { A: "x" }, value: "", issues: [UNTERMINATED_REFERENCE] },
    { input: "${", env: {}, value: "", issues: [UNTERMINATED_REFERENCE] },
    { input: "${A:-${B}", env: { B: "b" }, value: "", issues: [UNTERMINATED_REFERENCE] },
    { input: "x${A:-b", env: {}, value: "x", issues: [UNTERMINATED_REFERENCE] },
    { input: "${${A}}", env: { A: "x" }, value: "", issues: [INVALID_REFERENCE] },
    { input: "${A-b}", env: {}, value: "", issues: [INVALID_REFERENCE] },
    { input: "${A:?b}", env: {}, value: "", issues: [INVALID_REFERENCE] },
    { input: "${A:-${B:-${C:-${D:-${E}}}}}", env: { E: "e" }, value: "", issues: [TOO_DEEP] },
    { input: "$${A:-${B}}", env: { B: "b" }, value: "${A:-b}", issues: [] },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => {
      const r = sub(c.input, c.env);
      assert.equal(r.value, c.value);
      assert.deepEqual(r.issues.map((i) => i.message), c.issues);
    });
  }

  it("no value ever keeps a ${NAME} of a variable that is set, whatever the nesting", () => {
    const part: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
      t: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom("G", "U", "S").map((n) => `\${${n}}`),
        fc.tuple(fc.constantFrom("G", "U", "S"), fc.array(tie("t"), { maxLength: 3 })).map(([n, d]) => `\${${n}:-${d.join("")}}`),
        fc.constantFrom("x", "$", "{", "}", "${", "$${", ":-"),
      ),
    })).t;
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const input = parts.join("");
        fc.pre(!input.includes("$${"));
        const r = sub(input, { G: "g", S: "" });
        assert.ok(!/\$\{[GS]\}/.test(r.value), `${JSON.stringify(input)} → ${JSON.stringify(r.value)}`);
      }),
    );
  });
});

describe("a secret pasted as a variable name is never echoed (issue 9.14)", () => {
  const secrets = [
    `ghp_${"a1B2c3D4e5F6g7H8i9J0".repeat(2)}`,
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "xoxb_123456789012_abcdefghijklmnop",
    "AKIAIOSFODNN7EXAMPLE",
    "Q2xhd2Rib3RTZWNyZXRWYWx1ZTEyMzQ1Njc4OQ",
    "ABCDEFGH1234567890XYZ",
    "sk_live_51H8abcdefghijklmnop",
  ];
  for (const secret of secrets) {
    it(`${secret.slice(0, 6)}…`, () => {
      for (const input of [`\${${secret}}`, `\${UNSET:-\${${secret}}}`]) {
        const r = sub(input, {});
        assert.equal(r.issues.length, 1);
        assert.ok(!JSON.stringify(r.issues).includes(secret), JSON.stringify(r.issues));
        assert.ok(!JSON.stringify(r.issues).includes(secret.slice(0, 12)));
        assert.match(r.issues[0]?.message ?? "", /is not set/);
      }
    });
  }

  it("ordinary names are still named", () => {
    for (const name of ["GATEWAY_TOKEN", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "X509_CERT_FILE", "ASIA_REGION", "_PRIVATE"]) {
      assert.ok(isPrintableVarName(name), name);
      assert.deepEqual(sub(`\${${name}}`, {}).issues.map((i) => i.message), [`environment variable ${name} is not set`]);
    }
    for (const name of ["http_proxy", "Home", "ghp_x"]) assert.equal(isPrintableVarName(name), false, name);
  });
});
