import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { loadStaticDir, makeAsset, notModified, pickEncoding } from "./static-files.js";

const big = makeAsset("app.js", Buffer.from("console.log('x');\n".repeat(100)));
const tiny = makeAsset("a.css", Buffer.from("a{}"));

test("pickEncoding: br before gzip, q=0 refuses, no header means identity", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "identity"],
    ["", "identity"],
    ["gzip", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0, gzip", "gzip"],
    ["br;q=0, gzip;q=0", "identity"],
    ["*", "br"],
    ["identity", "identity"],
    ["GZIP", "gzip"],
  ];
  for (const [h, want] of cases) assert.equal(pickEncoding(h, big), want, String(h));
  assert.equal(pickEncoding("br, gzip", tiny), "identity", "small files are not compressed");
});

test("compressed variants decode to the identity body", () => {
  assert.deepEqual(zlib.gunzipSync(big.gzip!), big.identity);
  assert.deepEqual(zlib.brotliDecompressSync(big.br!), big.identity);
  assert.equal(big.type, "text/javascript; charset=utf-8");
});

test("notModified matches every variant of the ETag, and only this asset's", () => {
  const base = big.etag.slice(1, -1);
  assert.equal(notModified(big.etag, big), true);
  assert.equal(notModified(`"${base}-gz"`, big), true);
  assert.equal(notModified(`W/"${base}-br"`, big), true);
  assert.equal(notModified(`"other", ${big.etag}`, big), true);
  assert.equal(notModified("*", big), true);
  assert.equal(notModified(tiny.etag, big), false);
  assert.equal(notModified(undefined, big), false);
  assert.equal(notModified(`"${base}-zz"`, big), false);
});

test("loadStaticDir reads files recursively, skips symlinks, tolerates a missing dir", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "static-"));
  fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "sub", "x.css"), "b{}");
  fs.symlinkSync("/etc/passwd", path.join(dir, "link.txt"));
  const m = loadStaticDir(dir);
  assert.deepEqual([...m.keys()].sort(), ["index.html", "sub/x.css"]);
  assert.equal(m.get("index.html")?.type, "text/html; charset=utf-8");
  assert.equal(loadStaticDir(path.join(dir, "missing")).size, 0);
  fs.rmSync(dir, { recursive: true });
});
