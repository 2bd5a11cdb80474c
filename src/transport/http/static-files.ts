/**
 * Static files served from memory: a directory is read once (at start), each
 * file compressed once (gzip and brotli), and answered with a strong ETag,
 * `If-None-Match` → 304, and the encoding the client accepts. Nothing here
 * touches the disk per request, so serving the page costs the API nothing.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface StaticAsset {
  readonly type: string;
  readonly identity: Buffer;
  readonly gzip: Buffer | undefined;
  readonly br: Buffer | undefined;
  /** Strong ETag of the identity body (quoted); encoded variants append `-gz` / `-br`. */
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};
/** Types worth compressing (images are compressed already). */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);
/** Below this size compression does not pay for its header. */
const MIN_COMPRESS = 256;
/** A built page is small; a bigger file here is a mistake, not something to hold in memory. */
const MAX_FILE = 4 * 1024 * 1024;

export function makeAsset(name: string, identity: Buffer): StaticAsset {
  const ext = path.extname(name).toLowerCase();
  const compress = COMPRESSIBLE.has(ext) && identity.length >= MIN_COMPRESS;
  const gzip = compress ? zlib.gzipSync(identity, { level: 9 }) : undefined;
  const br = compress
    ? zlib.brotliCompressSync(identity, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      })
    : undefined;
  const hash = crypto.createHash("sha256").update(identity).digest("base64url").slice(0, 27);
  return {
    type: TYPES[ext] ?? "application/octet-stream",
    identity,
    gzip: gzip && gzip.length < identity.length ? gzip : undefined,
    br: br && br.length < identity.length ? br : undefined,
    etag: `"${hash}"`,
  };
}

/**
 * Reads every regular file under `dir` (recursively, no symlinks followed) into
 * memory, keyed by its `/`-separated path relative to `dir`. A missing
 * directory yields an empty map.
 */
export function loadStaticDir(dir: string): Map<string, StaticAsset> {
  const out = new Map<string, StaticAsset>();
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const e of entries) {
      const child = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) {
        const body = fs.readFileSync(path.join(dir, child));
        if (body.length > MAX_FILE) throw new Error(`static file ${child} is larger than ${MAX_FILE} bytes`);
        out.set(child, makeAsset(child, body));
      }
    }
  };
  walk("");
  return out;
}

/** Which stored encoding to send for an `Accept-Encoding` header (q=0 refuses a coding). */
export function pickEncoding(accept: string | undefined, asset: StaticAsset): "br" | "gzip" | "identity" {
  if (!accept) return "identity";
  const accepted = new Set<string>();
  for (const part of accept.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (name) accepted.add(name.trim());
  }
  if (asset.br && (accepted.has("br") || accepted.has("*"))) return "br";
  if (asset.gzip && (accepted.has("gzip") || accepted.has("*"))) return "gzip";
  return "identity";
}

function etagFor(asset: StaticAsset, enc: "br" | "gzip" | "identity"): string {
  return enc === "identity" ? asset.etag : `${asset.etag.slice(0, -1)}-${enc === "gzip" ? "gz" : "br"}"`;
}

/** True when `If-None-Match` names any variant of this asset (the content is the same). */
export function notModified(ifNoneMatch: string | undefined, asset: StaticAsset): boolean {
  if (!ifNoneMatch) return false;
  const base = asset.etag.slice(1, -1);
  for (let tag of ifNoneMatch.split(",")) {
    tag = tag.trim();
    if (tag === "*") return true;
    if (tag.startsWith("W/")) tag = tag.slice(2);
    if (tag === asset.etag || tag === `"${base}-gz"` || tag === `"${base}-br"`) return true;
  }
  return false;
}

/** Answers a GET or HEAD for `asset` with `headers` (security headers) added. */
export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: StaticAsset, headers: Record<string, string>): void {
  const enc = pickEncoding(typeof req.headers["accept-encoding"] === "string" ? req.headers["accept-encoding"] : undefined, asset);
  const common: Record<string, string> = {
    ...headers,
    etag: etagFor(asset, enc),
    "cache-control": "no-cache",
    vary: "Accept-Encoding",
  };
  const inm = req.headers["if-none-match"];
  if (notModified(typeof inm === "string" ? inm : undefined, asset)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const body = enc === "br" ? asset.br! : enc === "gzip" ? asset.gzip! : asset.identity;
  res.writeHead(200, {
    ...common,
    "content-type": asset.type,
    "content-length": String(body.length),
    ...(enc === "identity" ? {} : { "content-encoding": enc }),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
