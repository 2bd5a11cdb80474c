import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { sandboxRules } from "./denial.js";
import { isHidden, isWithin, resolveScope, resolveToolPath } from "./paths.js";
import type { PathPolicy, PathScope } from "./paths.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";

/** Resolves and returns "ok:<display>" or "<code>:<rule>" so tables stay readable. */
async function outcome(scope: PathScope, given: string): Promise<string> {
  try {
    return `ok:${(await resolveToolPath(scope, given)).display}`;
  } catch (e) {
    if (!isGatewayError(e)) throw e;
    const rule = (e.details as { rule?: string } | undefined)?.rule;
    return rule ? `${e.code}:${rule}` : e.code;
  }
}

describe("isWithin", () => {
  const table: [string, string, boolean][] = [
    ["/a/b", "/a/b", true],
    ["/a/b/c", "/a/b", true],
    ["/a/bc", "/a/b", false],
    ["/a", "/a/b", false],
    ["/anything", "/", true],
  ];
  for (const [child, parent, want] of table) {
    it(`${child} in ${parent} → ${want}`, () => assert.equal(isWithin(child, parent), want));
  }
});

describe("resolveToolPath", () => {
  let t: TempDirs;
  const scopes: Partial<Record<PathPolicy, PathScope>> = {};
  const scope = (p: PathPolicy) => scopes[p] as PathScope;

  before(async () => {
    t = await makeTempDirs();
    const ws = t.workspace;
    await fs.mkdir(path.join(ws, "src"));
    await fs.writeFile(path.join(ws, "src", "a.txt"), "a");
    await fs.writeFile(path.join(t.outside, "secret.txt"), "outside secret");
    await fs.symlink("/etc", path.join(ws, "etc-link"));
    await fs.symlink(t.outside, path.join(ws, "out-dir"));
    await fs.symlink(path.join(t.outside, "secret.txt"), path.join(ws, "secret-link"));
    await fs.symlink(path.join(t.outside, "missing.txt"), path.join(ws, "dangling-out"));
    await fs.symlink("src/a.txt", path.join(ws, "inside-link"));
    await fs.symlink("src", path.join(ws, "src-link"));
    await fs.symlink("loop-b", path.join(ws, "loop-a"));
    await fs.symlink("loop-a", path.join(ws, "loop-b"));
    await fs.mkdir(path.join(ws, ".state"));
    for (const policy of ["sandbox", "host"] as const) {
      scopes[policy] = await resolveScope({ workspace: ws, policy, hiddenPaths: [path.join(ws, ".state")] });
    }
  });
  after(() => t.cleanup());

  type Want = string | ((t: TempDirs) => string);
  const table: [string, PathPolicy, (t: TempDirs) => string, Want][] = [
    ["relative file", "sandbox", () => "src/a.txt", "ok:src/a.txt"],
    ["dot segments that stay inside", "sandbox", () => "src/../src/./a.txt", "ok:src/a.txt"],
    ["new file in new dir", "sandbox", () => "new/dir/file.txt", "ok:new/dir/file.txt"],
    ["workspace itself", "sandbox", () => ".", "ok:."],
    ["absolute path inside", "sandbox", (t) => path.join(t.workspace, "src/a.txt"), "ok:src/a.txt"],
    ["../ traversal", "sandbox", () => "../outside/secret.txt", "FORBIDDEN:path_outside_workspace"],
    ["deep traversal", "sandbox", () => "src/../../../../etc/passwd", "FORBIDDEN:path_outside_workspace"],
    ["absolute /etc/passwd", "sandbox", () => "/etc/passwd", "FORBIDDEN:path_outside_workspace"],
    ["symlink to /etc", "sandbox", () => "etc-link/passwd", "FORBIDDEN:symlink_escape"],
    ["symlinked dir outside", "sandbox", () => "out-dir/secret.txt", "FORBIDDEN:symlink_escape"],
    ["new file under symlinked dir", "sandbox", () => "out-dir/new.txt", "FORBIDDEN:symlink_escape"],
    ["symlink to an outside file", "sandbox", () => "secret-link", "FORBIDDEN:symlink_escape"],
    ["dangling symlink pointing outside", "sandbox", () => "dangling-out", "FORBIDDEN:symlink_escape"],
    ["symlink staying inside", "sandbox", () => "inside-link", "ok:src/a.txt"],
    ["symlinked dir staying inside", "sandbox", () => "src-link/a.txt", "ok:src/a.txt"],
    ["symlink loop", "sandbox", () => "loop-a", "INVALID_REQUEST"],
    ["hidden path", "sandbox", () => ".state/x", "FORBIDDEN:hidden_path"],
    ["empty path", "sandbox", () => "", "INVALID_REQUEST"],
    ["NUL byte", "sandbox", () => "a\0b", "INVALID_REQUEST"],
    ["host: traversal allowed", "host", () => "../outside/secret.txt", (t) => `ok:${path.join(t.outside, "secret.txt")}`],
    ["host: absolute allowed", "host", () => "/etc/hostname", "ok:/etc/hostname"],
    ["host: hidden still refused", "host", () => ".state", "FORBIDDEN:hidden_path"],
  ];
  for (const [name, policy, given, want] of table) {
    it(`${policy}: ${name}`, async () => {
      assert.equal(await outcome(scope(policy), given(t)), typeof want === "string" ? want : want(t));
    });
  }

  it("every rule used is in the closed list", () => {
    for (const [, , , want] of table) {
      if (typeof want !== "string") continue;
      const rule = want.split(":")[1];
      if (want.startsWith("FORBIDDEN")) assert.ok((sandboxRules as readonly string[]).includes(rule ?? ""), want);
    }
  });

  it("a hidden path that contains the workspace hides the rest of it, not the workspace", async () => {
    const state = path.join(t.base, "state");
    const ws = path.join(state, "workspace");
    await fs.mkdir(ws, { recursive: true });
    const s = await resolveScope({ workspace: ws, policy: "host", hiddenPaths: [state] });
    assert.equal(isHidden(s, path.join(ws, "file")), false);
    assert.equal(isHidden(s, path.join(state, "credentials", "token")), true);
    assert.equal(await outcome(s, "../credentials/token"), "FORBIDDEN:hidden_path");
    assert.equal(await outcome(s, "file"), "ok:file");
  });

  it("refuses a workspace that does not exist", async () => {
    await assert.rejects(
      resolveScope({ workspace: path.join(t.base, "nope"), policy: "sandbox", hiddenPaths: [] }),
      (e) => isGatewayError(e) && e.code === "UNAVAILABLE",
    );
  });
});
