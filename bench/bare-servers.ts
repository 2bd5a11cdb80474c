/**
 * Baselines for the benchmark, run as their own process like the gateway:
 * a bare `ws` server and a bare `node:http` server doing the same framing
 * (JSON in, JSON frame out) with no auth, policy or audit.
 */
import http from "node:http";
import crypto from "node:crypto";
import { WebSocketServer } from "ws";

const kind = process.argv[2];
if (kind === "ws") {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1_048_576 });
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: crypto.randomUUID(), ts: Date.now() } }));
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as { id: string; method: string };
      const payload = f.method === "connect" ? { type: "hello-ok", protocol: 4 } : { ok: true, ts: Date.now() };
      ws.send(JSON.stringify({ type: "res", id: f.id, ok: true, payload }));
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
} else if (kind === "http") {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { tool: string };
      const text = JSON.stringify({ ok: true, result: { tool: body.tool } });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
} else {
  console.error("usage: bare-servers ws|http");
  process.exit(2);
}
