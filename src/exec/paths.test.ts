import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlob, couldEqualPath, normalizeAbsolute, normalizeRelative, resolvePath } from "./paths.js";
import type { Piece } from "./words.js";
import { literalWord, makeWord } from "./words.js";

const dyn: Piece = { kind: "dyn", splittable: false, what: "x" };
const lit = (text: string): Piece => ({ kind: "lit", text, quoted: true });

describe("paths", () => {
  const norm: [string, string][] = [
    ["/", "/"],
    ["//", "/"],
    ["/tmp/../", "/"],
    ["/a/./b/", "/a/b"],
    ["/..", "/"],
    ["/a//b/../c", "/a/c"],
  ];
  for (const [input, out] of norm) it(`normalizeAbsolute ${input}`, () => assert.equal(normalizeAbsolute(input), out));

  it("normalizeRelative keeps leading ..", () => {
    assert.equal(normalizeRelative("./a/../../b/"), "../b");
    assert.equal(normalizeRelative("./"), ".");
  });

  it("resolvePath", () => {
    assert.equal(resolvePath(".", "/"), "/");
    assert.equal(resolvePath("../..", "/a"), "/");
    assert.equal(resolvePath("x", "/a"), "/a/x");
  });

  const could: [Piece[], string, boolean][] = [
    [[dyn], "/", true],
    [[dyn, lit("/")], "/", true],
    [[dyn, lit("/foo")], "/", false],
    [[dyn, lit("/foo")], "/a/foo", true],
    [[dyn, lit("/foo/..")], "/", true],
    [[dyn, lit(".bak")], "/a.bak", true],
    [[dyn, lit(".bak")], "/", false],
    [[dyn, lit("x/y")], "/ax/y", true],
    [[dyn, lit("x/y")], "/ab/y", false],
    [[lit("/home"), { ...dyn, descendsOnly: true }], "/", false],
    [[lit("/home"), { ...dyn, descendsOnly: true }], "/home/a", true],
  ];
  for (const [pieces, target, expected] of could) {
    it(`couldEqualPath ${JSON.stringify(pieces.map((p) => (p.kind === "lit" ? p.text : "$")))} ${target}`, () =>
      assert.equal(couldEqualPath(pieces, target), expected));
  }

  it("a glob covers its directory", () => {
    const g = compileGlob(makeWord([{ kind: "lit", text: "/*", quoted: false }], "/*"), "/w");
    assert.equal(g.coveredDir, "/");
    assert.ok(g.regex.test("/etc"));
    assert.ok(!g.regex.test("/etc/x"));
    const q = compileGlob(makeWord([lit("/a*"), { kind: "lit", text: "/*", quoted: false }], "'/a*'/*"), "/w");
    assert.equal(q.coveredDir, "/a*");
    assert.equal(literalWord("x").glob, false);
  });
});
