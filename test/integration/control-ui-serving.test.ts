/** Serving the control page and its own origin on the Origin check, without a browser (headers set by hand). */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { RawWs, startTestGateway, type TestGateway } from "../helpers/harness.js";

/** Status of a WebSocket upgrade with the given headers (101 when it opens). */
async function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  try {
    const c = await RawWs.open(url, headers);
    c.close();
    return 101;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode ?? 0;
  }
}

/** A GET with a chosen Host header (fetch will not send one). */
function get(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("control page serving and its origin", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  test("the page's own origin passes on the upgrade and on HTTP; look-alikes do not", async () => {
    const port = t.gw.port;
    const own = `http://127.0.0.1:${port}`;
    assert.equal(await upgrade(t.wsUrl, { origin: own }), 101);
    assert.equal(await upgrade(`ws://localhost:${port}`, { origin: `http://localhost:${port}` }), 101);
    assert.equal(await get(port, "/ui/app.js", { origin: own }), 200);
    // Another port of the same host, another scheme, a name over plain http (DNS rebinding), a forged
    // X-Forwarded-Host from a client that is not a trusted proxy: all foreign.
    for (const [origin, host] of [
      [`http://127.0.0.1:${port + 1}`, `127.0.0.1:${port}`],
      [`https://127.0.0.1:${port}`, `127.0.0.1:${port}`],
      [`http://rebind.example:${port}`, `rebind.example:${port}`],
    ] as const) {
      assert.equal(await upgrade(t.wsUrl, { origin, host }), 403, origin);
      assert.equal(await get(port, "/", { origin, host }), 403, origin);
    }
    assert.equal(await upgrade(t.wsUrl, { origin: "https://gw.example", "x-forwarded-host": "gw.example", "x-forwarded-proto": "https" }), 403);
  });

  test("gateway.controlUi.enabled: false (applied by a reload) serves no page and no longer accepts its origin", async () => {
    const own = `http://127.0.0.1:${t.gw.port}`;
    await t.writeConfig({ gateway: { controlUi: { enabled: false } } });
    assert.equal((await t.gw.reload()).applied, true);
    const line = await t.waitForAudit((l) => l.type === "config.change" && JSON.stringify(l.metadata).includes("gateway.controlUi.enabled"));
    assert.ok(line);
    assert.equal((await fetch(`${t.httpUrl}/`)).status, 404);
    assert.equal((await fetch(`${t.httpUrl}/ui/app.js`)).status, 404);
    assert.equal(await upgrade(t.wsUrl, { origin: own }), 403);
    assert.equal(await upgrade(t.wsUrl, {}), 101, "clients without Origin are unaffected");
    await t.writeConfig({});
    assert.equal((await t.gw.reload()).applied, true);
    assert.equal((await fetch(`${t.httpUrl}/`)).status, 200);
  });
});
