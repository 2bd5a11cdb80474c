/** Reads a JSON request body with a hard size limit (413 above it, 400 for bad JSON). */
import type { IncomingMessage } from "node:http";
import { GatewayError } from "../../core/errors.js";

export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new GatewayError("PAYLOAD_TOO_LARGE", `request body over the ${limit}-byte limit`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        reject(new GatewayError("PAYLOAD_TOO_LARGE", `request body over the ${limit}-byte limit`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new GatewayError("INVALID_REQUEST", "request body is not valid JSON"));
      }
    });
    req.on("error", (e) => {
      if (done) return;
      done = true;
      reject(new GatewayError("INVALID_REQUEST", "request body could not be read", { cause: e }));
    });
  });
}
