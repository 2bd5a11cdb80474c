import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { bashTool, effectiveTimeout, execTool, runBash } from "./bash.js";
import { gatewayError, makeFixture } from "./context-fixture.js";
import type { Fixture } from "./context-fixture.js";

describe("bash", () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
  });
  after(() => f.cleanup());

  it("runs in the workspace under bubblewrap and returns the result shape", async () => {
    const r = await runBash({ command: "pwd; echo err >&2; hostname" }, f.ctx());
    assert.deepEqual(r, {
      exitCode: 0,
      stdout: `${f.workspace}\nclawdbot-sandbox\n`,
      stderr: "err\n",
      timedOut: false,
      truncated: false,
    });
  });

  it("runs directly under host policy", async () => {
    const r = await runBash({ command: "echo hi > host.txt; hostname" }, f.ctx({ policy: "host" }));
    assert.equal(r.exitCode, 0);
    assert.notEqual(r.stdout.trim(), "clawdbot-sandbox");
    assert.equal(await fs.readFile(path.join(f.workspace, "host.txt"), "utf8"), "hi\n");
  });

  const timeouts: [number | undefined, number][] = [
    [undefined, 30_000],
    [5_000, 5_000],
    [3_600_000, 600_000],
  ];
  for (const [requested, want] of timeouts) {
    it(`timeout ${requested ?? "default"} → ${want}`, () => assert.equal(effectiveTimeout(requested, f.ctx()), want));
  }

  it("enforces the timeout cap even when the caller asks for more", async () => {
    const started = Date.now();
    const r = await runBash({ command: "sleep 20", timeoutMs: 3_600_000 }, f.ctx({ limits: { maxTimeoutMs: 200 } }));
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - started < 5000);
  });

  it("refuses when bubblewrap is missing", async () => {
    await assert.rejects(
      runBash({ command: "true" }, f.ctx({ bwrapPath: "/nonexistent/bwrap" })),
      gatewayError("UNAVAILABLE", /sandbox unavailable/),
    );
  });

  it("exec is bash under another name", () => {
    assert.equal(execTool.name, "exec");
    assert.equal(execTool.run, bashTool.run);
    assert.equal(execTool.schema, bashTool.schema);
  });
});
