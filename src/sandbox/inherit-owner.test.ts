import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { keptOwner } from "./inherit-owner.js";
import { chownNewDirectory } from "./open-beneath.js";
import { isGatewayError } from "../core/errors.js";
import { resolveScope, resolveToolPath } from "./paths.js";
import type { PathScope } from "./paths.js";
import { runCommand } from "./bwrap.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";
import { writeFileAtomic } from "./verified-file.js";

const euid = process.geteuid?.() ?? -1;

describe("owners of what the file tools write (gateway as root)", () => {
  let t: TempDirs;
  let scope: PathScope;
  const write = async (p: string, text: string) => writeFileAtomic(scope, await resolveToolPath(scope, p), Buffer.from(text));

  before(async () => {
    t = await makeTempDirs();
    scope = await resolveScope({ workspace: t.workspace, policy: "sandbox", hiddenPaths: [] });
  });
  after(() => t.cleanup());

  it("keptOwner: only root hands files over, and only files not root's", () => {
    assert.deepEqual(keptOwner({ uid: 1000, gid: 100 }, 0), { uid: 1000, gid: 100 });
    assert.equal(keptOwner({ uid: 0, gid: 0 }, 0), undefined);
    assert.equal(keptOwner({ uid: 1000, gid: 100 }, 1000), undefined);
  });

  it("a sandboxed command can change what write put in its workspace, and write keeps the command's files its own", async () => {
    // The first command hands the (root-created) workspace to the sandbox user.
    assert.equal((await runCommand({ command: "true", cwd: t.workspace, workspace: t.workspace, policy: "sandbox", timeoutMs: 20_000, maxOutputBytes: 4096, hiddenPaths: [] })).exitCode, 0);
    const ws = await fs.stat(t.workspace);
    await write("sub/dir/new.txt", "from the write tool\n");
    for (const p of ["sub", "sub/dir", "sub/dir/new.txt"]) {
      const st = await fs.stat(path.join(t.workspace, p));
      assert.deepEqual([st.uid, st.gid], [ws.uid, ws.gid], p);
    }
    const r = await runCommand({
      command: "echo appended >> sub/dir/new.txt && echo x > sub/dir/other.txt && cat sub/dir/new.txt",
      cwd: t.workspace,
      workspace: t.workspace,
      policy: "sandbox",
      timeoutMs: 20_000,
      maxOutputBytes: 4096,
      hiddenPaths: [],
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "from the write tool\nappended\n");
    await write("sub/dir/other.txt", "rewritten\n");
    const other = await fs.stat(path.join(t.workspace, "sub/dir/other.txt"));
    assert.deepEqual([other.uid, other.gid], [ws.uid, ws.gid]);
    if (euid === 0) assert.notEqual(ws.uid, 0, "the workspace was handed to the sandbox user");
  });

  it("re-owns a new directory only through a descriptor: a name swapped for a hard link or a symlink is refused", async () => {
    const victim = path.join(t.outside, "victim");
    await fs.writeFile(victim, "root's\n");
    const before = await fs.stat(victim);
    await fs.link(victim, path.join(t.workspace, "swapped-link"));
    await fs.symlink(victim, path.join(t.workspace, "swapped-sym"));
    const parent = await fs.open(t.workspace, "r");
    try {
      for (const name of ["swapped-link", "swapped-sym"]) {
        await assert.rejects(
          chownNewDirectory(parent, name, { uid: 12345, gid: 12345 }, name),
          (e) => isGatewayError(e) && (e.details as { rule?: string }).rule === "path_changed",
        );
      }
      const after = await fs.stat(victim);
      assert.deepEqual([after.uid, after.gid], [before.uid, before.gid]);
    } finally {
      await parent.close();
    }
  });
});
