import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfigText } from "./index.js";

function issueOf(text: string): string {
  try {
    parseConfigText(text, {});
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  assert.fail("expected a ConfigError");
}

test("a YAML syntax error names the parser's message, the position and the offending line", () => {
  const m = issueOf("gateway:\n  port: 1\n  bind: a: b\n");
  assert.match(m, /syntax error at line 3, column \d+: Nested mappings are not allowed in compact mappings; line 3: " {2}bind: a: b"/);
  const dup = issueOf("gateway:\n  port: 1\n  port: 2\n");
  assert.match(dup, /duplicate key at line 3, column \d+: Map keys must be unique; line 3: " {2}port: 2"/);
});

test("the offending line never echoes a secret value", () => {
  const secret = "s3cr3t-Abcdefghijklmnop";
  const m = issueOf(`gateway:\n  auth:\n    token: "${secret}\n`);
  assert.match(m, /Missing closing "quote/);
  assert.match(m, /line 3: " {4}token: <value hidden>"/);
  assert.ok(!m.includes(secret));
  const pw = issueOf(`gateway:\n  auth:\n    users:\n      - { id: a, password: ${secret}: x }\n`);
  assert.ok(!pw.includes(secret), pw);
});
