/**
 * The synchronous twins (worker threads only) against their async originals:
 * one table of cases, every case run through both, same answer required —
 * including the same refusal rule for every escape.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, promises as fs, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { openDirBeneath, openEntryAt, verifyHandle } from "./open-beneath.js";
import { openDirBeneathSync, openEntryAtSync, verifyFdSync } from "./open-beneath-sync.js";
import { resolveScope, resolveToolPath, resolveToolPathInWorker } from "./paths.js";
import type { PathPolicy, PathScope, ResolvedPath } from "./paths.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";
import { openFileForRead, openFileForReadSync, openRegularFileAtSync } from "./verified-file.js";

/** "ok:<value>" or "<code>:<rule>", so both implementations compare as plain strings. */
async function outcome(fn: () => Promise<string> | string): Promise<string> {
  try {
    return `ok:${await fn()}`;
  } catch (e) {
    if (!isGatewayError(e)) throw e;
    const rule = (e.details as { rule?: string } | undefined)?.rule;
    return rule ? `${e.code}:${rule}` : e.code;
  }
}

interface Impl {
  name: string;
  resolve(scope: PathScope, given: string): Promise<ResolvedPath>;
  /** Opens a resolved file for reading; its text. */
  read(scope: PathScope, resolved: ResolvedPath): Promise<string> | string;
  /** Descriptor walk to a directory; its verified real path. */
  dir(scope: PathScope, components: string[], given: string): Promise<string> | string;
  /** Opens `name` inside the directory `components` names, as a directory; its verified real path. */
  entryDir(scope: PathScope, components: string[], name: string): Promise<string> | string;
}

const asyncImpl: Impl = {
  name: "async",
  resolve: resolveToolPath,
  read: async (scope, resolved) => {
    const f = await openFileForRead(scope, resolved);
    try {
      return (await f.handle.readFile()).toString("utf8");
    } finally {
      await f.handle.close();
    }
  },
  dir: async (scope, components, given) => {
    const h = await openDirBeneath(scope, components, given);
    try {
      return await verifyHandle(scope, h, given);
    } finally {
      await h.close();
    }
  },
  entryDir: async (scope, components, name) => {
    const parent = await openDirBeneath(scope, components, name);
    try {
      const h = await openEntryAt(parent, name, name, true);
      try {
        return await verifyHandle(scope, h, name);
      } finally {
        await h.close();
      }
    } finally {
      await parent.close();
    }
  },
};

const syncImpl: Impl = {
  name: "sync",
  resolve: resolveToolPathInWorker,
  read: (scope, resolved) => {
    const f = openFileForReadSync(scope, resolved);
    try {
      return readFileSync(f.fd).toString("utf8");
    } finally {
      closeSync(f.fd);
    }
  },
  dir: (scope, components, given) => {
    const fd = openDirBeneathSync(scope, components, given);
    try {
      return verifyFdSync(scope, fd, given);
    } finally {
      closeSync(fd);
    }
  },
  entryDir: (scope, components, name) => {
    const parent = openDirBeneathSync(scope, components, name);
    try {
      const fd = openEntryAtSync(parent, name, name, true);
      try {
        return verifyFdSync(scope, fd, name);
      } finally {
        closeSync(fd);
      }
    } finally {
      closeSync(parent);
    }
  },
};

describe("synchronous verified descriptor walk (worker threads) matches the async one", () => {
  let t: TempDirs;
  const scopes: Partial<Record<PathPolicy, PathScope>> = {};
  const scope = (p: PathPolicy) => scopes[p] as PathScope;
  let server: net.Server;

  before(async () => {
    t = await makeTempDirs();
    const ws = t.workspace;
    await fs.writeFile(path.join(t.outside, "secret.txt"), "OUTSIDE-SECRET");
    await fs.mkdir(path.join(ws, "dir", "sub"), { recursive: true });
    await fs.writeFile(path.join(ws, "dir", "file.txt"), "inside");
    await fs.link(path.join(t.outside, "secret.txt"), path.join(ws, "hardlink.txt"));
    execFileSync("mkfifo", [path.join(ws, "fifo")]);
    server = net.createServer();
    await new Promise<void>((r) => server.listen(path.join(ws, "sock"), r));
    await fs.symlink(t.outside, path.join(ws, "out-dir"));
    await fs.symlink(path.join(t.outside, "secret.txt"), path.join(ws, "secret-link"));
    await fs.symlink(path.join(t.outside, "missing.txt"), path.join(ws, "dangling-out"));
    await fs.symlink("dir/file.txt", path.join(ws, "inside-link"));
    await fs.symlink("dir", path.join(ws, "dir-link"));
    await fs.symlink("loop-b", path.join(ws, "loop-a"));
    await fs.symlink("loop-a", path.join(ws, "loop-b"));
    await fs.mkdir(path.join(ws, ".state"));
    await fs.writeFile(path.join(ws, ".state", "token"), "STATE");
    for (const policy of ["sandbox", "host"] as const) {
      scopes[policy] = await resolveScope({ workspace: ws, policy, hiddenPaths: [path.join(ws, ".state")] });
    }
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await t.cleanup();
  });

  // [policy, given path, expected outcome of resolve + read]
  const reads: [PathPolicy, string, string][] = [
    ["sandbox", "dir/file.txt", "ok:inside"],
    ["sandbox", "inside-link", "ok:inside"],
    ["sandbox", "dir-link/file.txt", "ok:inside"],
    ["sandbox", "secret-link", "FORBIDDEN:symlink_escape"],
    ["sandbox", "out-dir/secret.txt", "FORBIDDEN:symlink_escape"],
    ["sandbox", "dangling-out", "FORBIDDEN:symlink_escape"],
    ["sandbox", "../outside/secret.txt", "FORBIDDEN:path_outside_workspace"],
    ["sandbox", "dir/../../outside/secret.txt", "FORBIDDEN:path_outside_workspace"],
    ["sandbox", ".state/token", "FORBIDDEN:hidden_path"],
    ["host", ".state/token", "FORBIDDEN:hidden_path"],
    ["sandbox", "hardlink.txt", "FORBIDDEN:hardlink"],
    ["host", "hardlink.txt", "ok:OUTSIDE-SECRET"],
    ["host", "secret-link", "ok:OUTSIDE-SECRET"],
    ["sandbox", "fifo", "FORBIDDEN:special_file"],
    ["sandbox", "sock", "FORBIDDEN:special_file"],
    ["host", "/dev/zero", "FORBIDDEN:special_file"],
    ["sandbox", "dir", "INVALID_REQUEST"],
    ["sandbox", "nope.txt", "INVALID_REQUEST"],
    ["sandbox", "loop-a", "INVALID_REQUEST"],
    ["sandbox", "", "INVALID_REQUEST"],
    ["sandbox", "a\0b", "INVALID_REQUEST"],
  ];
  for (const [policy, given, want] of reads) {
    it(`read ${policy} ${JSON.stringify(given)} → ${want}, both`, async () => {
      for (const impl of [asyncImpl, syncImpl]) {
        const got = await outcome(async () => impl.read(scope(policy), await impl.resolve(scope(policy), given)));
        assert.equal(got, want, impl.name);
      }
    });
  }

  it("read: a parent swapped for a symlink after resolution → symlink_escape, both", async () => {
    const r = await resolveToolPath(scope("sandbox"), "dir/file.txt");
    await fs.symlink(t.outside, path.join(t.workspace, "swap"));
    try {
      const forged = { ...r, real: path.join(t.workspace, "swap", "secret.txt"), given: "swap/secret.txt" };
      for (const impl of [asyncImpl, syncImpl]) {
        assert.equal(await outcome(() => impl.read(scope("sandbox"), forged)), "FORBIDDEN:symlink_escape", impl.name);
      }
    } finally {
      await fs.unlink(path.join(t.workspace, "swap"));
    }
  });

  it("read: the final component swapped for a symlink after resolution → path_changed, both", async () => {
    const r = await resolveToolPath(scope("sandbox"), "victim.txt");
    await fs.symlink(path.join(t.outside, "secret.txt"), path.join(t.workspace, "victim.txt"));
    try {
      for (const impl of [asyncImpl, syncImpl]) {
        assert.equal(await outcome(() => impl.read(scope("sandbox"), { ...r, exists: true })), "FORBIDDEN:path_changed", impl.name);
      }
    } finally {
      await fs.unlink(path.join(t.workspace, "victim.txt"));
    }
  });

  // [policy, components below the scope root (sandbox: the workspace), expected]
  const dirs: [PathPolicy, string[], string][] = [
    ["sandbox", [], "ok:."],
    ["sandbox", ["dir"], "ok:dir"],
    ["sandbox", ["dir", "sub"], "ok:dir/sub"],
    ["sandbox", ["dir-link"], "FORBIDDEN:path_changed"],
    ["sandbox", ["out-dir"], "FORBIDDEN:path_changed"],
    ["sandbox", ["dir", ".."], "FORBIDDEN:path_changed"],
    ["sandbox", ["."], "FORBIDDEN:path_changed"],
    ["sandbox", ["dir/sub"], "FORBIDDEN:path_changed"],
    ["sandbox", [".state"], "FORBIDDEN:hidden_path"],
    ["sandbox", ["dir", "file.txt"], "INVALID_REQUEST"],
    ["sandbox", ["missing"], "INVALID_REQUEST"],
  ];
  const rel = (real: string) => path.relative(t.workspace, real) || ".";
  for (const [policy, components, want] of dirs) {
    it(`descriptor walk ${policy} [${components.join(", ")}] → ${want}, both`, async () => {
      for (const impl of [asyncImpl, syncImpl]) {
        const got = await outcome(async () => rel(await impl.dir(scope(policy), components, components.join("/"))));
        assert.equal(got, want, impl.name);
      }
    });
  }

  it("host: the walk starts at / and still refuses the hidden state dir, both", async () => {
    const components = path.join(t.workspace, ".state").split(path.sep).filter(Boolean);
    for (const impl of [asyncImpl, syncImpl]) {
      assert.equal(await outcome(() => impl.dir(scope("host"), components, ".state")), "FORBIDDEN:hidden_path", impl.name);
      assert.equal(await outcome(() => impl.dir(scope("host"), components.slice(0, -1), "ws")), `ok:${t.workspace}`, impl.name);
    }
  });

  // [name inside the workspace opened as a directory entry, expected]
  const entries: [string, string][] = [
    ["dir", "ok:dir"],
    ["dir-link", "FORBIDDEN:path_changed"],
    ["out-dir", "FORBIDDEN:path_changed"],
    [".state", "FORBIDDEN:hidden_path"],
    ["nope", "INVALID_REQUEST"],
  ];
  for (const [name, want] of entries) {
    it(`entry ${name} opened as a directory → ${want}, both`, async () => {
      for (const impl of [asyncImpl, syncImpl]) {
        assert.equal(await outcome(async () => rel(await impl.entryDir(scope("sandbox"), [], name))), want, impl.name);
      }
    });
  }

  it("a file opened inside a verified directory: hard link, fifo and symlink refused (sync)", () => {
    const s = scope("sandbox");
    const root = openDirBeneathSync(s, [], ".");
    try {
      const open = (name: string) => {
        try {
          const f = openRegularFileAtSync(s, root, name, name);
          closeSync(f.fd);
          return "ok";
        } catch (e) {
          assert.ok(isGatewayError(e), String(e));
          return (e.details as { rule?: string } | undefined)?.rule ?? e.code;
        }
      };
      assert.equal(open("hardlink.txt"), "hardlink");
      assert.equal(open("fifo"), "special_file");
      assert.equal(open("secret-link"), "path_changed");
      assert.equal(open("inside-link"), "path_changed");
      assert.equal(open("dir"), "INVALID_REQUEST");
    } finally {
      closeSync(root);
    }
  });
});
