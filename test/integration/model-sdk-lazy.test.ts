/**
 * The provider SDKs load lazily: a gateway started without models — and one with models configured but no
 * model call yet — has not loaded `@anthropic-ai/sdk` or `openai`; the first call of a provider loads only
 * its own SDK. A child process records every module load through a module loader hook.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import { makeStateDir } from "../helpers/harness.js";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SDK = /\/node_modules\/(openai|@anthropic-ai\/sdk)\//;

const HOOKS = `
import fs from "node:fs";
export async function load(url, context, next) {
  fs.appendFileSync(process.env.LOAD_LOG, url + "\\n");
  return next(url, context);
}
`;

const CHILD = `
import { register } from "node:module";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
register(pathToFileURL(process.env.HOOKS_FILE).href);
const loaded = () => fs.readFileSync(process.env.LOAD_LOG, "utf8").split("\\n").filter((u) => ${SDK}.test(u)).map((u) => u.match(${SDK})[1]);
const mark = (step) => fs.appendFileSync(process.env.LOAD_LOG, "STEP " + step + " " + JSON.stringify([...new Set(loaded())]) + "\\n");
const { startTestGateway } = await import(process.env.DIST + "/test/helpers/harness.js");
const { startModelStandIn } = await import(process.env.DIST + "/test/helpers/model-standin.js");
const { createProvider } = await import(process.env.DIST + "/src/agents/providers/index.js");
const { configSchema } = await import(process.env.DIST + "/src/config/index.js");

const bare = await startTestGateway({});
await bare.close();
mark("no-models");

const standIn = await startModelStandIn();
const models = { anthropic: { apiKey: "\${K}", baseUrl: standIn.anthropicBaseUrl }, local: { api: "openai-completions", baseUrl: standIn.openaiBaseUrl } };
const withModels = await startTestGateway({ config: { models, agents: { main: { model: "anthropic/m", fallbacks: ["local/m"] } } }, env: { K: "k-lazy" } });
await withModels.close();
mark("models-configured");

const cfg = configSchema.parse({ models }).models;
const p = createProvider("local", cfg.local);
mark("provider-created");
standIn.enqueue({ text: "hi" });
for await (const _ of p.stream({ model: "m", messages: [{ role: "user", text: "x" }], tools: [], maxOutputTokens: 5 }, new AbortController().signal));
mark("after-openai-call");
await standIn.close();
`;

test("no SDK is loaded until a provider of that API makes its first call", async () => {
  const dir = await makeStateDir();
  const hooksFile = path.join(dir, "hooks.mjs");
  const childFile = path.join(dir, "child.mjs");
  const log = path.join(dir, "loads.log");
  await fs.writeFile(hooksFile, HOOKS);
  await fs.writeFile(childFile, CHILD);
  await fs.writeFile(log, "");
  await promisify(execFile)(process.execPath, [childFile], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOOKS_FILE: hooksFile, LOAD_LOG: log, DIST: dist },
  });
  const steps = Object.fromEntries(
    (await fs.readFile(log, "utf8"))
      .split("\n")
      .filter((l) => l.startsWith("STEP "))
      .map((l) => {
        const [, name, json] = l.split(" ");
        return [name, JSON.parse(json!) as string[]];
      }),
  );
  assert.deepEqual(steps, {
    "no-models": [],
    "models-configured": [],
    "provider-created": [],
    "after-openai-call": ["openai"],
  });
  await fs.rm(dir, { recursive: true, force: true });
});
