import assert from "node:assert/strict";
import { test } from "node:test";
import { terminalSafe, terminalSafeJson } from "./terminal-text.js";

test("terminalSafe: cursor tricks, bidi and invisible characters are shown, never interpreted", () => {
  const cases: [string, string][] = [
    ["rm -rf x\r\x1b[2K\x1b[1Gls -la", "rm -rf x\\u000d\\u001b[2K\\u001b[1Gls -la"],
    ["ls \u202egnp.exe", "ls \\u202egnp.exe"],
    ["a\u2066b\u2069c\u2067\u2068", "a\\u2066b\\u2069c\\u2067\\u2068"],
    ["zero\u200bwidth\u200d\ufeff\u2060", "zero\\u200bwidth\\u200d\\ufeff\\u2060"],
    ["mark\u200e\u200f\u061c", "mark\\u200e\\u200f\\u061c"],
    ["line\nbreak\ttab\u2028\u2029", "line\\u000abreak\\u0009tab\\u2028\\u2029"],
    ["bell\x07 del\x7f c1\x9b", "bell\\u0007 del\\u007f c1\\u009b"],
    ["back\\u001b slash", "back\\\\u001b slash"],
    ["lone \ud800 surrogate", "lone \\ud800 surrogate"],
  ];
  for (const [input, want] of cases) assert.equal(terminalSafe(input), want, JSON.stringify(input));
  // Ordinary text, including non-Latin scripts and emoji, is left alone.
  for (const ok of ["rm -rf build && echo done", "grüße 日本語 עברית 😀", "dev@company.com"]) assert.equal(terminalSafe(ok), ok);
  // Nothing unsafe survives.
  const out = terminalSafe("\x1b]0;title\x07\x1b[31m\u202e\u2066\u200b");
  // eslint-disable-next-line no-control-regex -- checking that no control character survives
  assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b]/);
});

test("terminalSafeJson: JSON with every unsafe character escaped, parsing back to the value", () => {
  const value = { cmd: "ls \u202egnp.exe\x1b[2K\x9b", list: ["a\u2066b", "c\\d"], n: 1 };
  const json = terminalSafeJson(value);
  assert.deepEqual(JSON.parse(json), value);
  // eslint-disable-next-line no-control-regex -- checking that no control character survives
  assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  assert.equal(terminalSafeJson("plain"), '"plain"');
});
