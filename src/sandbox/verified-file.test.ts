import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { resolveScope, resolveToolPath } from "./paths.js";
import type { PathScope } from "./paths.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";
import { openFileForRead, writeFileAtomic } from "./verified-file.js";

function isRule(rule: string) {
  return (e: unknown) => isGatewayError(e) && (e.details as { rule?: string } | undefined)?.rule === rule;
}

async function readText(scope: PathScope, given: string): Promise<string> {
  const file = await openFileForRead(scope, await resolveToolPath(scope, given));
  try {
    return (await file.handle.readFile()).toString("utf8");
  } finally {
    await file.handle.close();
  }
}

describe("verified file access", () => {
  let t: TempDirs;
  let sandbox: PathScope;
  let host: PathScope;
  let server: net.Server;

  before(async () => {
    t = await makeTempDirs();
    await fs.writeFile(path.join(t.outside, "secret.txt"), "OUTSIDE-SECRET");
    await fs.mkdir(path.join(t.workspace, "dir"));
    await fs.writeFile(path.join(t.workspace, "dir", "file.txt"), "inside");
    // A hard link to a file outside, on the same file system.
    await fs.link(path.join(t.outside, "secret.txt"), path.join(t.workspace, "hardlink.txt"));
    execFileSync("mkfifo", [path.join(t.workspace, "fifo")]);
    server = net.createServer();
    await new Promise<void>((r) => server.listen(path.join(t.workspace, "sock"), r));
    sandbox = await resolveScope({ workspace: t.workspace, policy: "sandbox", hiddenPaths: [] });
    host = await resolveScope({ workspace: t.workspace, policy: "host", hiddenPaths: [] });
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await t.cleanup();
  });

  it("reads a regular file inside the workspace", async () => {
    assert.equal(await readText(sandbox, "dir/file.txt"), "inside");
  });

  it("refuses a hard link (nlink > 1) under sandbox", async () => {
    await assert.rejects(readText(sandbox, "hardlink.txt"), isRule("hardlink"));
    await assert.rejects(
      writeFileAtomic(sandbox, await resolveToolPath(sandbox, "hardlink.txt"), Buffer.from("x")),
      isRule("hardlink"),
    );
    assert.equal(await fs.readFile(path.join(t.outside, "secret.txt"), "utf8"), "OUTSIDE-SECRET");
  });

  it("refuses fifos, sockets and devices without blocking", async () => {
    await assert.rejects(readText(sandbox, "fifo"), isRule("special_file"));
    await assert.rejects(readText(sandbox, "sock"), isRule("special_file"));
    await assert.rejects(readText(host, "/dev/zero"), isRule("special_file"));
  });

  it("refuses a directory and a missing file as caller mistakes", async () => {
    await assert.rejects(readText(sandbox, "dir"), (e) => isGatewayError(e) && e.code === "INVALID_REQUEST");
    await assert.rejects(readText(sandbox, "nope.txt"), (e) => isGatewayError(e) && e.code === "INVALID_REQUEST");
  });

  it("refuses when a parent is swapped for a symlink after the check (read)", async () => {
    const resolved = await resolveToolPath(sandbox, "swap/secret.txt");
    await fs.symlink(t.outside, path.join(t.workspace, "swap"));
    try {
      // resolved.real still says workspace/swap/secret.txt; the opened descriptor really points
      // outside, and that is what gets checked before anything is read.
      const r = await resolveToolPath(sandbox, "dir/file.txt");
      const forged = { ...r, real: path.join(t.workspace, "swap", "secret.txt"), exists: true, given: "swap/secret.txt" };
      await assert.rejects(openFileForRead(sandbox, forged), isRule("symlink_escape"));
      assert.equal(resolved.exists, false);
    } finally {
      await fs.unlink(path.join(t.workspace, "swap"));
    }
  });

  it("refuses when the final component is swapped for a symlink (write target, read target)", async () => {
    const resolved = await resolveToolPath(sandbox, "victim.txt");
    await fs.symlink(path.join(t.outside, "secret.txt"), path.join(t.workspace, "victim.txt"));
    try {
      await assert.rejects(readText(sandbox, "victim.txt"), isRule("symlink_escape"));
      await assert.rejects(
        openFileForRead(sandbox, { ...resolved, exists: true }),
        isRule("path_changed"),
      );
      await assert.rejects(writeFileAtomic(sandbox, resolved, Buffer.from("pwned")), isRule("path_changed"));
      assert.equal(await fs.readFile(path.join(t.outside, "secret.txt"), "utf8"), "OUTSIDE-SECRET");
    } finally {
      await fs.unlink(path.join(t.workspace, "victim.txt"));
    }
  });

  it("write: a parent swapped for a symlink after the check writes nothing outside", async () => {
    const resolved = await resolveToolPath(sandbox, "later/new.txt");
    await fs.symlink(t.outside, path.join(t.workspace, "later"));
    try {
      await assert.rejects(writeFileAtomic(sandbox, resolved, Buffer.from("x")), isRule("path_changed"));
      await assert.rejects(fs.access(path.join(t.outside, "new.txt")));
    } finally {
      await fs.unlink(path.join(t.workspace, "later"));
    }
  });

  it("never reads outside content while a rename loop races the path", async () => {
    // A real directory and a symlink to the outside dir swap places as fast as a shell can.
    const ws = t.workspace;
    await fs.mkdir(path.join(ws, "race-real"));
    await fs.writeFile(path.join(ws, "race-real", "secret.txt"), "inside-race");
    await fs.symlink(t.outside, path.join(ws, "race-evil"));
    await fs.rename(path.join(ws, "race-real"), path.join(ws, "race"));
    const loop = spawn(
      "bash",
      ["-c", "for i in $(seq 1 4000); do mv -T race race-tmp; mv -T race-evil race; mv -T race race-evil; mv -T race-tmp race; done"],
      { cwd: ws, stdio: "ignore" },
    );
    const exited = new Promise((r) => loop.on("exit", r));
    let insideReads = 0;
    let refusals = 0;
    try {
      for (let i = 0; i < 400; i++) {
        try {
          const text = await readText(sandbox, "race/secret.txt");
          assert.notEqual(text, "OUTSIDE-SECRET", "read content from outside the workspace");
          insideReads++;
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          assert.ok(isGatewayError(e), String(e));
          refusals++;
        }
      }
    } finally {
      loop.kill("SIGKILL");
      await exited;
    }
    assert.equal(insideReads + refusals, 400);
  });

  it("write is atomic, creates parents, preserves the mode and leaves no temp file", async () => {
    const resolved = await resolveToolPath(sandbox, "a/b/c.txt");
    assert.deepEqual(await writeFileAtomic(sandbox, resolved, Buffer.from("one")), { created: true });
    await fs.chmod(path.join(t.workspace, "a/b/c.txt"), 0o640);
    assert.deepEqual(await writeFileAtomic(sandbox, resolved, Buffer.from("two")), { created: false });
    const st = await fs.stat(path.join(t.workspace, "a/b/c.txt"));
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(await fs.readFile(path.join(t.workspace, "a/b/c.txt"), "utf8"), "two");
    assert.deepEqual(await fs.readdir(path.join(t.workspace, "a/b")), ["c.txt"]);
  });

  it("write with an expected inode refuses when the file was replaced meanwhile", async () => {
    const resolved = await resolveToolPath(sandbox, "dir/file.txt");
    const before = await fs.stat(resolved.real);
    await fs.writeFile(path.join(t.workspace, "dir", "other.txt"), "replacement");
    await fs.rename(path.join(t.workspace, "dir", "other.txt"), resolved.real);
    await assert.rejects(
      writeFileAtomic(sandbox, resolved, Buffer.from("x"), { expect: { dev: before.dev, ino: before.ino } }),
      (e) => isGatewayError(e) && e.code === "INVALID_REQUEST",
    );
    assert.equal(await fs.readFile(resolved.real, "utf8"), "replacement");
  });
});
