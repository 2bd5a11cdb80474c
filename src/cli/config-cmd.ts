/** `clawdbot config validate|show|schema`. */
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { z } from "zod";
import { configSchema, ConfigError, redactConfig, resolvePaths } from "../config/index.js";
import { loadRuntime } from "../app/gateway.js";
import { println, UsageError, type CliIo } from "./io.js";

export async function runConfigCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } }, allowPositionals: false, strict: true });
  if (sub === "schema") {
    const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
    println(io.stdout, JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", title: "Clawdbot Gateway config.yaml", ...schema }, null, 2));
    return 0;
  }
  if (sub !== "validate" && sub !== "show") throw new UsageError("usage: clawdbot config validate|show|schema [--json]");
  const paths = resolvePaths({ configFlag, env: io.env });
  try {
    const { runtime } = await loadRuntime({ ...paths, env: io.env, generateToken: false, requireToken: false });
    if (sub === "validate") {
      println(io.stdout, values.json ? JSON.stringify({ ok: true, file: paths.configPath, issues: [] }) : `config OK: ${paths.configPath}`);
      return 0;
    }
    const shown = redactConfig(runtime.config);
    println(io.stdout, values.json ? JSON.stringify(shown, null, 2) : stringify(shown).trimEnd());
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      if (values.json) println(io.stdout, JSON.stringify({ ok: false, file: e.file ?? paths.configPath, issues: e.issues }, null, 2));
      else {
        println(io.stderr, `invalid config ${e.file ?? paths.configPath}:`);
        for (const i of e.issues) println(io.stderr, `  ${i.path}: ${i.message}`);
      }
      return 1;
    }
    throw e;
  }
}
