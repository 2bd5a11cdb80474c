/** Bounded load generators against servers on loopback (count- and time-limited). */
import http from "node:http";
import WebSocket from "ws";

export interface Rate {
  ops: number;
  seconds: number;
  perSec: number;
}

const rate = (ops: number, ms: number): Rate => ({ ops, seconds: ms / 1000, perSec: Math.round((ops * 1000) / ms) });

/** Opens a protocol connection; `auth` undefined means the bare server (no auth needed). */
export function openConn(url: string, token: string | undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("error", reject);
    ws.on("message", function first(data) {
      const f = JSON.parse(data.toString()) as { type: string; event?: string; id?: string; ok?: boolean };
      if (f.event === "connect.challenge") {
        ws.send(
          JSON.stringify({
            type: "req",
            id: "c",
            method: "connect",
            params: { minProtocol: 3, maxProtocol: 4, client: { id: "bench", mode: "backend" }, ...(token ? { auth: { token } } : {}) },
          }),
        );
      } else if (f.type === "res" && f.id === "c") {
        ws.off("message", first);
        if (f.ok) resolve(ws);
        else reject(new Error("connect refused"));
      }
    });
  });
}

/** Pipelined `health` requests over `conns` connections for `ms`. */
export async function wsRequests(url: string, token: string | undefined, conns: number, window: number, ms: number): Promise<Rate> {
  const sockets = await Promise.all(Array.from({ length: conns }, () => openConn(url, token)));
  let done = 0;
  const end = Date.now() + ms;
  const start = Date.now();
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let n = 0;
          let inflight = 0;
          const send = () => {
            inflight++;
            ws.send(JSON.stringify({ type: "req", id: String(++n), method: "health", params: {} }));
          };
          ws.on("message", (data) => {
            const f = JSON.parse(data.toString()) as { type: string };
            if (f.type !== "res") return;
            inflight--;
            done++;
            if (Date.now() < end) send();
            else if (inflight === 0) resolve();
          });
          for (let i = 0; i < window; i++) send();
        }),
    ),
  );
  const elapsed = Date.now() - start;
  for (const ws of sockets) ws.terminate();
  return rate(done, elapsed);
}

/** Runs `op` back to back in `concurrency` loops until `ms` have passed; the rate of completed ops. */
async function closedLoops(concurrency: number, ms: number, op: () => Promise<void>): Promise<Rate> {
  let done = 0;
  const end = Date.now() + ms;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return rate(done, Date.now() - start);
}

/** Full handshakes (open, challenge, connect, hello, close) from `concurrency` loops for `ms`. */
export function handshakes(url: string, token: string | undefined, concurrency: number, ms: number): Promise<Rate> {
  return closedLoops(concurrency, ms, async () => {
    const ws = await openConn(url, token);
    await new Promise<void>((r) => {
      ws.once("close", () => r());
      ws.close();
    });
  });
}

/** POST /tools/invoke with keep-alive from `concurrency` loops for `ms`. */
export async function httpInvokes(base: string, token: string | undefined, body: unknown, concurrency: number, ms: number, expectStatus: number): Promise<Rate> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = JSON.stringify(body);
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${base}/tools/invoke`, {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(payload);
    });
  const r = await closedLoops(concurrency, ms, async () => {
    const status = await one();
    if (status !== expectStatus) throw new Error(`unexpected status ${status}`);
  });
  agent.destroy();
  return r;
}
