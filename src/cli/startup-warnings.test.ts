/**
 * The start-up warnings judge the config file as `clawdbot doctor` does: a token written as `${VAR}` is not a
 * literal secret in the file (found walking the README's minimal production config, mode 0644).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadRuntime } from "../app/gateway.js";
import { startupWarnings } from "./startup-warnings.js";

async function warningsFor(yaml: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-startwarn-"));
  await fs.chmod(stateDir, 0o700);
  const configPath = path.join(stateDir, "config.yaml");
  await fs.writeFile(configPath, yaml, { mode: 0o644 });
  await fs.chmod(configPath, 0o644);
  try {
    const { runtime } = await loadRuntime({ stateDir, configPath, configExplicit: true, env, generateToken: true });
    return await startupWarnings({ stateDir, configPath, configExplicit: true, env, runtime, listenHost: "127.0.0.1" });
  } finally {
    await fs.rm(stateDir, { recursive: true, force: true });
  }
}

test("a 0644 config whose token comes from ${VAR} is no start-up problem; a literal token in it is", async () => {
  // Starts with "-" on purpose: the value must never matter, only where it came from.
  const token = `-${randomBytes(32).toString("base64url")}`;
  const fromEnv = await warningsFor("gateway:\n  auth:\n    token: ${GW_TOKEN}\n", { GW_TOKEN: token });
  assert.deepEqual(
    fromEnv.filter((l) => /config file/.test(l)),
    [],
    fromEnv.join("\n"),
  );
  const literal = await warningsFor(`gateway:\n  auth:\n    token: "${token}"\n`, {});
  const line = literal.find((l) => /\[credentials\] .*config\.yaml — the config file has mode 0644 \(it holds secrets\)/.test(l));
  assert.ok(line, literal.join("\n"));
  assert.ok(!literal.join("\n").includes(token), "the warnings never print the token");
});
