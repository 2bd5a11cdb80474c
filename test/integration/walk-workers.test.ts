import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { invokeHttp, startTestGateway, type TestGateway } from "../helpers/harness.js";

/**
 * glob/search through the real gateway on the pool of walk workers sized by
 * config: one worker, no waiting room. A runaway regex holds the worker until
 * its budget; meanwhile another walk is refused 429, naming the key; then the
 * runaway call times out, its worker is replaced and walks work again.
 */
describe("walk workers over HTTP (tools.limits.searchWorkers / searchQueueMax)", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ config: { tools: { limits: { searchWorkers: 1, searchQueueMax: 0, searchTimeoutMs: 4000 } } } });
    const ws = path.join(t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "redos.txt"), `${"a".repeat(64)}b\n`);
    await fs.writeFile(path.join(ws, "notes.md"), "notes\n");
  });
  after(() => t.close());

  test("a busy pool refuses with 429; the runaway call times out; the next walk is served", async () => {
    const walk = (args: Record<string, unknown>, tool = "glob") => invokeHttp(t.httpUrl, t.token, { tool, args });
    const startRunaway = () => {
      const call = { settled: false, result: walk({ pattern: "^(a+)+$", path: "redos.txt" }, "search") };
      void call.result.finally(() => (call.settled = true));
      return call;
    };
    // The two calls race for the only worker: a glob that gets there first is served (and a
    // runaway search that finds it busy is refused and sent again); once the search runs,
    // nothing may wait.
    let runaway = startRunaway();
    let refused: Awaited<ReturnType<typeof invokeHttp>> | undefined;
    while (!refused) {
      const r = await walk({ pattern: "*.md" });
      if (r.status === 429) refused = r;
      else assert.equal(r.status, 200, JSON.stringify(r.body));
      if (!refused && runaway.settled) {
        const first = await runaway.result;
        assert.equal(first.status, 429, `the runaway search ended before a glob was refused: ${JSON.stringify(first.body)}`);
        runaway = startRunaway();
      }
    }
    assert.equal(refused.body.error?.type, "rate_limited");
    assert.match(refused.body.error?.message ?? "", /tools\.limits\.searchQueueMax: 0/);

    const r = await runaway.result;
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.message, "search timed out");

    const next = await walk({ pattern: "*.md" });
    assert.equal(next.status, 200);
    assert.deepEqual((next.body.result as { paths: string[] }).paths, ["notes.md"]);
  });
});
