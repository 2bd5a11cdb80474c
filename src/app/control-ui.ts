/**
 * The control page (docs/control-ui.md): the built files of ui/ (dist/ui),
 * read into memory once at start and served at `GET /` and `/ui/…` with the
 * security headers every gateway response carries. Nothing here needs or
 * reveals a secret: the page signs in over the WebSocket like any client.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { IncomingMessage, ServerResponse } from "node:http";
import { loadStaticDir, sendAsset, type StaticAsset } from "../transport/http/static-files.js";

/** The built page, beside the compiled server (dist/src/app → dist/ui). */
export const BUILT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../ui");

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Sent on every HTTP response of the gateway (page, assets, API, errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
});

export interface ControlUi {
  /** Whether the built page was found at start. */
  readonly available: boolean;
  /** Serves `pathname` if it is the page or one of its assets; false when it is not ours. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
}

export function loadControlUi(dir: string = BUILT_UI_DIR): ControlUi {
  const files = loadStaticDir(dir);
  const index = files.get("index.html");
  const lookup = (pathname: string): StaticAsset | undefined => {
    if (pathname === "/" || pathname === "/index.html") return index;
    if (!pathname.startsWith("/ui/")) return undefined;
    const name = pathname.slice(4);
    // Exact names only: no decoding, no `..`, nothing outside the map read at start.
    if (name === "index.html" || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.split("/").some((s) => s.startsWith("."))) return undefined;
    return files.get(name);
  };
  return {
    available: index !== undefined,
    serve(req, res, pathname) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const asset = lookup(pathname);
      if (!asset) return false;
      sendAsset(req, res, asset, { ...SECURITY_HEADERS });
      return true;
    },
  };
}
