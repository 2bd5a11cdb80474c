import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gatewayError, makeFixture } from "./context-fixture.js";
import type { Fixture } from "./context-fixture.js";
import { runGlob } from "./glob.js";
import { walkPool } from "./run-in-worker.js";
import { defaultToolLimits } from "./types.js";

describe("glob", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
    const files = ["src/a.ts", "src/b.ts", "src/lib/c.ts", "README.md", ".hidden/x.ts", ".state/token.ts"];
    for (const rel of files) {
      await fs.mkdir(path.dirname(path.join(f.workspace, rel)), { recursive: true });
      await fs.writeFile(path.join(f.workspace, rel), rel);
    }
    await fs.writeFile(path.join(f.outside, "evil.ts"), "outside");
    await fs.symlink(f.outside, path.join(f.workspace, "link-out"));
    await fs.symlink("src", path.join(f.workspace, "link-in"));
  });
  after(() => f.cleanup());

  const ctx = () => f.ctx({ hiddenPaths: [path.join(f.workspace, ".state")] });
  const table: [string, string[]][] = [
    ["**/*.ts", ["src/a.ts", "src/b.ts", "src/lib/c.ts"]],
    ["*.md", ["README.md"]],
    ["src/lib/**", ["src/lib/c.ts"]],
    ["link-*", ["link-in", "link-out"]],
    ["**/evil.ts", []],
    [".hidden/*.ts", [".hidden/x.ts"]],
    [".state/*", []],
  ];
  for (const [pattern, paths] of table) {
    it(`${pattern} → ${paths.join(", ") || "nothing"}`, async () => {
      assert.deepEqual(await runGlob({ pattern }, ctx()), { paths, truncated: false });
    });
  }

  it("caps results at maxResults and says so", async () => {
    const r = await runGlob({ pattern: "**/*.ts" }, f.ctx({ limits: { maxResults: 2 } }));
    assert.equal(r.paths.length, 2);
    assert.equal(r.truncated, true);
  });

  it("consecutive calls are served by warm workers (no thread started per call)", async () => {
    await runGlob({ pattern: "*.md" }, ctx());
    const before = walkPool(defaultToolLimits).stats();
    for (let i = 0; i < 5; i++) await runGlob({ pattern: "*.md" }, ctx());
    const now = walkPool(defaultToolLimits).stats();
    assert.equal(now.started, before.started);
    assert.ok(now.workers >= 1 && now.workers <= defaultToolLimits.searchWorkers);
  });

  it("refuses absolute patterns and .. segments", async () => {
    for (const pattern of ["/etc/*", "../outside/*", "src/../../*"]) {
      await assert.rejects(runGlob({ pattern }, f.ctx()), gatewayError("INVALID_REQUEST"), pattern);
    }
  });
});
