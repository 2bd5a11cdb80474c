import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gatewayError, makeFixture } from "./context-fixture.js";
import type { Fixture } from "./context-fixture.js";
import { runRead } from "./read.js";

describe("read", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
    await fs.writeFile(path.join(f.workspace, "lines.txt"), "one\ntwo\nthree\nfour\n");
    await fs.writeFile(path.join(f.workspace, "no-newline.txt"), "a\nb");
    await fs.writeFile(path.join(f.workspace, "empty.txt"), "");
    await fs.writeFile(path.join(f.workspace, "bin.dat"), Buffer.from([0x7f, 0x45, 0x00, 0x01, 0x02]));
    await fs.writeFile(path.join(f.workspace, "utf8.txt"), "ééééé\n");
    await fs.writeFile(path.join(f.outside, "secret.txt"), "OUTSIDE");
    await fs.symlink("/etc", path.join(f.workspace, "etc"));
  });
  after(() => f.cleanup());

  const table: [string, { path: string; offset?: number; limit?: number }, object][] = [
    ["whole file", { path: "lines.txt" }, { content: "one\ntwo\nthree\nfour\n", totalLines: 4, truncated: false }],
    ["offset", { path: "lines.txt", offset: 3 }, { content: "three\nfour\n", totalLines: 4, truncated: false }],
    ["offset + limit", { path: "lines.txt", offset: 2, limit: 2 }, { content: "two\nthree\n", totalLines: 4, truncated: false }],
    ["limit past the end", { path: "lines.txt", offset: 4, limit: 10 }, { content: "four\n", totalLines: 4, truncated: false }],
    ["no final newline", { path: "no-newline.txt" }, { content: "a\nb", totalLines: 2, truncated: false }],
    ["empty file", { path: "empty.txt" }, { content: "", totalLines: 0, truncated: false }],
  ];
  for (const [name, args, want] of table) {
    it(name, async () => {
      assert.deepEqual(await runRead(args, f.ctx()), { path: args.path, ...want });
    });
  }

  it("caps the returned bytes without splitting a character", async () => {
    const r = await runRead({ path: "utf8.txt" }, f.ctx({ limits: { maxReadBytes: 5 } }));
    assert.deepEqual(r, { path: "utf8.txt", content: "éé", totalLines: 1, truncated: true });
  });

  it("returns no content for a binary file", async () => {
    assert.deepEqual(await runRead({ path: "bin.dat" }, f.ctx()), { path: "bin.dat", binary: true, bytes: 5 });
  });

  it("answers caller mistakes with INVALID_REQUEST", async () => {
    await assert.rejects(runRead({ path: "missing.txt" }, f.ctx()), gatewayError("INVALID_REQUEST", /no such file/));
    await assert.rejects(runRead({ path: "lines.txt", offset: 9 }, f.ctx()), gatewayError("INVALID_REQUEST", /past the end/));
    await assert.rejects(runRead({ path: "." }, f.ctx()), gatewayError("INVALID_REQUEST", /is a directory/));
  });

  it("refuses paths outside the workspace, naming only the given path", async () => {
    await assert.rejects(runRead({ path: "../outside/secret.txt" }, f.ctx()), gatewayError("FORBIDDEN", "path_outside_workspace"));
    await assert.rejects(runRead({ path: "/etc/passwd" }, f.ctx()), (e: Error) => {
      assert.equal(e.message, 'path "/etc/passwd" is outside the agent workspace');
      return gatewayError("FORBIDDEN", "path_outside_workspace")(e);
    });
    await assert.rejects(runRead({ path: "etc/passwd" }, f.ctx()), gatewayError("FORBIDDEN", "symlink_escape"));
  });

  it("under host policy reads outside the workspace", async () => {
    const r = await runRead({ path: "../outside/secret.txt" }, f.ctx({ policy: "host" }));
    assert.equal("content" in r && r.content, "OUTSIDE");
    assert.equal(r.path, path.join(f.outside, "secret.txt"));
  });
});

describe("read: binaryFiles", () => {
  it("omit (default) returns only the size; base64 returns the bytes, capped at maxReadBytes", async () => {
    const f = await makeFixture();
    const bytes = Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.alloc(20_000, 7)]);
    await fs.writeFile(path.join(f.workspace, "blob.bin"), bytes);
    const omitted = (await runRead({ path: "blob.bin" }, f.ctx())) as Record<string, unknown>;
    assert.deepEqual(omitted, { path: "blob.bin", binary: true, bytes: bytes.length });
    const whole = (await runRead({ path: "blob.bin" }, f.ctx({ limits: { binaryFiles: "base64" } }))) as Record<string, unknown>;
    assert.equal(whole.encoding, "base64");
    assert.equal(whole.truncated, false);
    assert.deepEqual(Buffer.from(String(whole.content), "base64"), bytes);
    const capped = (await runRead({ path: "blob.bin" }, f.ctx({ limits: { binaryFiles: "base64", maxReadBytes: 10_000 } }))) as Record<string, unknown>;
    assert.equal(capped.truncated, true);
    assert.deepEqual(Buffer.from(String(capped.content), "base64"), bytes.subarray(0, 10_000));
  });
});
