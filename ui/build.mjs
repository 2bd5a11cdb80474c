// Bundles the control page (ui/src) into dist/ui with esbuild: one script, one
// stylesheet and index.html. Run by `npm run build`; the output is never committed.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "dist", "ui");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, "src", "main.ts")],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  outfile: path.join(out, "app.js"),
  legalComments: "none",
  logLevel: "warning",
});
await build({
  entryPoints: [path.join(here, "style.css")],
  bundle: true,
  minify: true,
  outfile: path.join(out, "style.css"),
  logLevel: "warning",
});
fs.copyFileSync(path.join(here, "index.html"), path.join(out, "index.html"));
fs.copyFileSync(path.join(here, "favicon.svg"), path.join(out, "favicon.svg"));
