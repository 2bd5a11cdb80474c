/**
 * Connection-slot exhaustion with real sockets: flooding clients use distinct
 * loopback source addresses (127.0.0.x; all of 127/8 is loopback on Linux) and
 * low caps keep the counts small. Socket ages run on an injected monotonic
 * clock, so "older than the pressure timeout" needs no sleeping.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { WebSocket } from "ws";
import { FakeClock } from "../../src/core/clock.js";
import { RawWs, connectParams, startTestGateway } from "../helpers/harness.js";

interface Held {
  socket: net.Socket;
  closed: boolean;
  gone: Promise<void>;
}

/** A socket that starts a request and never finishes its headers (a slow sender). */
async function trickle(port: number, from: string): Promise<Held> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: from });
  socket.on("error", () => undefined);
  const held: Held = { socket, closed: false, gone: new Promise((r) => socket.once("close", () => r())) };
  void held.gone.then(() => (held.closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write("POST /tools/invoke HTTP/1.1\r\nHost: gw\r\n");
  return held;
}

function invokeFrom(port: number, from: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ tool: "no-such-tool", args: {} });
    const req = http.request(
      { host: "127.0.0.1", port, localAddress: from, method: "POST", path: "/tools/invoke", agent: false, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("HTTP: one address gets a share of the sockets; under an anonymous flood an authenticated client still gets in", async () => {
  const mono = new FakeClock(1_000);
  const t = await startTestGateway({
    monotonic: mono,
    config: {
      gateway: {
        limits: { maxHttpConnections: 12, maxHttpConnectionsPerIp: 3, maxUnauthenticatedHttpConnections: 6 },
        rateLimit: { unauthenticatedPressureTimeoutMs: 5_000, maxRequests: 10_000 },
      },
    },
  });
  const port = t.gw.port;
  const held: Held[] = [];
  try {
    // One address: three sockets held, the fourth and fifth closed at once.
    for (let i = 0; i < 5; i++) held.push(await trickle(port, "127.0.0.2"));
    await Promise.all([held[3]?.gone, held[4]?.gone]);
    assert.deepEqual(held.slice(0, 3).map((h) => h.closed), [false, false, false]);
    // A second flooding address fills the unauthenticated budget (6).
    for (let i = 0; i < 3; i++) held.push(await trickle(port, "127.0.0.3"));
    // A fresh newcomer is refused while the flood is young…
    const early = await trickle(port, "127.0.0.4");
    await early.gone;
    // …and once the flood is older than the pressure timeout, the authenticated client gets in,
    // pushing out one socket of a flooding address.
    mono.advance(5_001);
    assert.equal(await invokeFrom(port, "127.0.0.9", t.token), 404, "authenticated and answered (unknown tool)");
    const live = held.slice(0, 3).concat(held.slice(5));
    await Promise.race(live.map((h) => h.gone));
    assert.equal(live.filter((h) => h.closed).length, 1, "exactly one flooding socket gave way");
    await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.reason === "max_per_ip" && l.actor.remoteIp === "127.0.0.2");
    await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.reason === "evicted_under_pressure");
  } finally {
    for (const h of held) h.socket.destroy();
    await t.close();
  }
});

function openWs(url: string, from: string): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress: from });
    const raw = new RawWs(ws);
    ws.once("open", () => resolve(raw));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once("error", reject);
  });
}

test("WebSocket: idle unauthenticated sockets from several addresses cannot keep authenticated clients out", async () => {
  const mono = new FakeClock(1_000);
  const t = await startTestGateway({
    monotonic: mono,
    config: { gateway: { rateLimit: { maxConnections: 8, maxUnauthenticated: 4, maxUnauthenticatedPerIp: 2, unauthenticatedPressureTimeoutMs: 5_000, maxRequests: 10_000 } } },
  });
  const flood: RawWs[] = [];
  try {
    for (const from of ["127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"]) flood.push(await openWs(t.wsUrl, from));
    // The unauthenticated budget is full: a young flood is not pushed out by another anonymous socket.
    await assert.rejects(openWs(t.wsUrl, "127.0.0.4"), (e: Error & { statusCode?: number }) => e.statusCode === 429);
    mono.advance(5_001);
    const users: RawWs[] = [];
    for (const from of ["127.0.0.7", "127.0.0.8"]) {
      const c = await openWs(t.wsUrl, from);
      await c.challenge();
      const hello = await c.request("connect", connectParams({ auth: { token: t.token } }));
      assert.equal(hello.ok, true, JSON.stringify(hello.error));
      users.push(c);
    }
    // The first newcomer pushed out the oldest socket of an address holding the most; once it authenticated,
    // the unauthenticated budget had room again and the second needed nobody's slot.
    await flood[0]?.closed;
    assert.deepEqual(flood.map((f) => f.ws.readyState === WebSocket.OPEN), [false, true, true, true]);
    await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.reason === "max_unauthenticated");
    await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.reason === "evicted_under_pressure" && l.metadata.channel === "ws");
    for (const u of users) u.close();
  } finally {
    for (const f of flood) f.close();
    await t.close();
  }
});
