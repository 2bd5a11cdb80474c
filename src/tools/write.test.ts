import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gatewayError, makeFixture } from "./context-fixture.js";
import type { Fixture } from "./context-fixture.js";
import { runEdit } from "./edit.js";
import { runWrite } from "./write.js";

describe("write", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
    await fs.symlink(f.outside, path.join(f.workspace, "out"));
  });
  after(() => f.cleanup());

  it("creates parents, then overwrites", async () => {
    assert.deepEqual(await runWrite({ path: "a/b/new.txt", content: "héllo" }, f.ctx()), {
      path: "a/b/new.txt",
      bytes: 6,
      created: true,
    });
    assert.deepEqual(await runWrite({ path: "a/b/new.txt", content: "bye" }, f.ctx()), {
      path: "a/b/new.txt",
      bytes: 3,
      created: false,
    });
    assert.equal(await fs.readFile(path.join(f.workspace, "a/b/new.txt"), "utf8"), "bye");
    assert.deepEqual(await fs.readdir(path.join(f.workspace, "a/b")), ["new.txt"], "no temp file left behind");
  });

  it("refuses content over maxWriteBytes and writes nothing", async () => {
    await assert.rejects(
      runWrite({ path: "big.txt", content: "x".repeat(11) }, f.ctx({ limits: { maxWriteBytes: 10 } })),
      gatewayError("INVALID_REQUEST", /11 bytes; the limit is 10/),
    );
    await assert.rejects(fs.access(path.join(f.workspace, "big.txt")));
  });

  it("refuses to write outside, through .., absolute paths or symlinked dirs", async () => {
    await assert.rejects(runWrite({ path: "../outside/x", content: "x" }, f.ctx()), gatewayError("FORBIDDEN", "path_outside_workspace"));
    await assert.rejects(runWrite({ path: path.join(f.outside, "x"), content: "x" }, f.ctx()), gatewayError("FORBIDDEN", "path_outside_workspace"));
    await assert.rejects(runWrite({ path: "out/x", content: "x" }, f.ctx()), gatewayError("FORBIDDEN", "symlink_escape"));
    await assert.rejects(runWrite({ path: "out/deep/x", content: "x" }, f.ctx()), gatewayError("FORBIDDEN", "symlink_escape"));
    assert.deepEqual(await fs.readdir(f.outside), []);
  });

  it("refuses to write onto a directory", async () => {
    await assert.rejects(runWrite({ path: "a", content: "x" }, f.ctx()), gatewayError("INVALID_REQUEST", /is a directory/));
  });
});

describe("edit", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
  });
  after(() => f.cleanup());

  const put = (name: string, text: string) => fs.writeFile(path.join(f.workspace, name), text);
  const get = (name: string) => fs.readFile(path.join(f.workspace, name), "utf8");

  it("replaces the one occurrence literally ($& stays $&)", async () => {
    await put("e.txt", "alpha beta gamma");
    assert.deepEqual(await runEdit({ path: "e.txt", oldText: "beta", newText: "$& $1" }, f.ctx()), {
      path: "e.txt",
      bytes: 17,
    });
    assert.equal(await get("e.txt"), "alpha $& $1 gamma");
  });

  it("keeps bytes that are not UTF-8 elsewhere in the file", async () => {
    await fs.writeFile(path.join(f.workspace, "latin1.txt"), Buffer.from([0xe9, 0x20, 0x61, 0x62, 0x63]));
    await runEdit({ path: "latin1.txt", oldText: "abc", newText: "xyz" }, f.ctx());
    assert.deepEqual(await fs.readFile(path.join(f.workspace, "latin1.txt")), Buffer.from([0xe9, 0x20, 0x78, 0x79, 0x7a]));
  });

  it("refuses when oldText is missing or not unique, leaving the file alone", async () => {
    await put("m.txt", "x y x y x");
    await assert.rejects(runEdit({ path: "m.txt", oldText: "zzz", newText: "" }, f.ctx()), gatewayError("INVALID_REQUEST", /^oldText not found$/));
    await assert.rejects(
      runEdit({ path: "m.txt", oldText: "x", newText: "" }, f.ctx()),
      gatewayError("INVALID_REQUEST", /^oldText matches 3 times; make it unique$/),
    );
    await put("o.txt", "aaa");
    await assert.rejects(runEdit({ path: "o.txt", oldText: "aa", newText: "b" }, f.ctx()), gatewayError("INVALID_REQUEST", /matches 2 times/));
    assert.equal(await get("m.txt"), "x y x y x");
  });

  it("refuses a result over maxWriteBytes, a binary file and a missing file", async () => {
    await put("s.txt", "abc");
    await assert.rejects(
      runEdit({ path: "s.txt", oldText: "b", newText: "0123456789" }, f.ctx({ limits: { maxWriteBytes: 8 } })),
      gatewayError("INVALID_REQUEST"),
    );
    await fs.writeFile(path.join(f.workspace, "b.bin"), Buffer.from([1, 0, 2]));
    await assert.rejects(runEdit({ path: "b.bin", oldText: "\u0001", newText: "x" }, f.ctx()), gatewayError("INVALID_REQUEST", /binary/));
    await assert.rejects(runEdit({ path: "nope", oldText: "a", newText: "b" }, f.ctx()), gatewayError("INVALID_REQUEST", /no such file/));
  });

  it("refuses a hard link to a file outside", async () => {
    await fs.writeFile(path.join(f.outside, "target.txt"), "outside text");
    await fs.link(path.join(f.outside, "target.txt"), path.join(f.workspace, "hl.txt"));
    await assert.rejects(runEdit({ path: "hl.txt", oldText: "outside", newText: "owned" }, f.ctx()), gatewayError("FORBIDDEN", "hardlink"));
    assert.equal(await fs.readFile(path.join(f.outside, "target.txt"), "utf8"), "outside text");
  });
});
