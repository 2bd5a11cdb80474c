/**
 * The independent load client from issue 9 item 25, run as its own process:
 * 16 clients, each its own keep-alive `http.Agent` with one socket, each
 * sending `POST /tools/invoke` with `http.request` back to back for a fixed
 * time. Prints one JSON Rate line.
 *
 * usage: independent-client <base url> <token|-> <json body> <clients> <ms> <expected status>
 */
import http from "node:http";

const [base, token, body, clientsArg, msArg, statusArg] = process.argv.slice(2);
if (!base || !token || !body || !clientsArg || !msArg || !statusArg) {
  console.error("usage: independent-client <base url> <token|-> <json body> <clients> <ms> <expected status>");
  process.exit(2);
}
const clients = Number(clientsArg);
const ms = Number(msArg);
const expect = Number(statusArg);
const headers: http.OutgoingHttpHeaders = {
  "content-type": "application/json",
  "content-length": Buffer.byteLength(body),
  ...(token === "-" ? {} : { authorization: `Bearer ${token}` }),
};

function once(agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/tools/invoke`, { method: "POST", agent, headers });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function client(end: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let done = 0;
  try {
    while (Date.now() < end) {
      const status = await once(agent);
      if (status !== expect) throw new Error(`unexpected status ${status}`);
      done++;
    }
  } finally {
    agent.destroy();
  }
  return done;
}

const start = Date.now();
const counts = await Promise.all(Array.from({ length: clients }, () => client(start + ms)));
const elapsed = Date.now() - start;
const ops = counts.reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ ops, seconds: elapsed / 1000, perSec: Math.round((ops * 1000) / elapsed) }));
