import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gatewayError, makeFixture } from "./context-fixture.js";
import type { Fixture } from "./context-fixture.js";
import { walkPool } from "./run-in-worker.js";
import { runSearch } from "./search.js";
import { defaultToolLimits } from "./types.js";

describe("search", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
    const put = async (rel: string, data: string | Buffer) => {
      await fs.mkdir(path.dirname(path.join(f.workspace, rel)), { recursive: true });
      await fs.writeFile(path.join(f.workspace, rel), data);
    };
    await put("a.txt", "needle one\nhay\nneedle two\r\n");
    await put("docs/guide.md", "a needle in docs\n");
    await put("docs/deep/notes.md", "nothing\n");
    await put("bin.dat", Buffer.from("needle\0needle"));
    await put("big.txt", `needle\n${"x".repeat(5000)}\n`);
    await put("redos.txt", `${"a".repeat(40)}!\n`);
    await fs.writeFile(path.join(f.outside, "secret.txt"), "needle outside");
    await fs.symlink(f.outside, path.join(f.workspace, "out"));
    await fs.link(path.join(f.outside, "secret.txt"), path.join(f.workspace, "hard.txt"));
  });
  after(() => f.cleanup());

  const limits = { maxSearchFileBytes: 1000 };

  it("finds matches with 1-based line numbers, skipping binary, large, linked and outside files", async () => {
    const r = await runSearch({ pattern: "needle" }, f.ctx({ limits }));
    assert.deepEqual(r.results, [
      { path: "a.txt", line: 1, text: "needle one" },
      { path: "a.txt", line: 3, text: "needle two" },
      { path: "docs/guide.md", line: 1, text: "a needle in docs" },
    ]);
    assert.equal(r.truncated, false);
    assert.equal(r.filesSkipped, 3, "bin.dat, big.txt and the hard link");
  });

  it("filters with a glob (base name without a slash, workspace-relative with one)", async () => {
    const byBase = await runSearch({ pattern: "needle|nothing", glob: "*.md" }, f.ctx({ limits }));
    assert.deepEqual(byBase.results.map((h) => h.path), ["docs/deep/notes.md", "docs/guide.md"]);
    const byPath = await runSearch({ pattern: "needle|nothing", glob: "docs/deep/**" }, f.ctx({ limits }));
    assert.deepEqual(byPath.results.map((h) => h.path), ["docs/deep/notes.md"]);
  });

  it("searches under a sub-path or a single file", async () => {
    const sub = await runSearch({ pattern: "needle", path: "docs" }, f.ctx({ limits }));
    assert.deepEqual(sub.results, [{ path: "docs/guide.md", line: 1, text: "a needle in docs" }]);
    const one = await runSearch({ pattern: "two", path: "a.txt" }, f.ctx({ limits }));
    assert.deepEqual(one.results, [{ path: "a.txt", line: 3, text: "needle two" }]);
  });

  it("caps results at maxResults", async () => {
    const r = await runSearch({ pattern: "needle" }, f.ctx({ limits: { ...limits, maxResults: 2 } }));
    assert.equal(r.results.length, 2);
    assert.equal(r.truncated, true);
  });

  it("refuses an invalid regex and paths outside the workspace", async () => {
    await assert.rejects(runSearch({ pattern: "(unclosed" }, f.ctx()), gatewayError("INVALID_REQUEST", /invalid regular expression/));
    await assert.rejects(runSearch({ pattern: "x", path: "../outside" }, f.ctx()), gatewayError("FORBIDDEN", "path_outside_workspace"));
    await assert.rejects(runSearch({ pattern: "x", path: "out" }, f.ctx()), gatewayError("FORBIDDEN", "symlink_escape"));
    await assert.rejects(runSearch({ pattern: "x", path: "missing" }, f.ctx()), gatewayError("INVALID_REQUEST"));
  });

  it("a catastrophic regex is killed at searchTimeoutMs without blocking the event loop", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    try {
      await assert.rejects(
        runSearch({ pattern: "^(a+)+$", path: "redos.txt" }, f.ctx({ limits: { searchTimeoutMs: 600 } })),
        gatewayError("UNAVAILABLE", /^search timed out$/),
      );
    } finally {
      clearInterval(ticker);
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    assert.ok(ticks >= 10, `event loop ticked only ${ticks} times`);
    // The runaway worker was replaced: the next call is answered, by a warm worker on the call after.
    const next = await runSearch({ pattern: "two", path: "a.txt" }, f.ctx({ limits }));
    assert.deepEqual(next.results, [{ path: "a.txt", line: 3, text: "needle two" }]);
    const workersStarted = walkPool(defaultToolLimits).stats().started;
    await runSearch({ pattern: "two", path: "a.txt" }, f.ctx({ limits }));
    assert.equal(walkPool(defaultToolLimits).stats().started, workersStarted, "no new worker for a consecutive call");
  });
});
