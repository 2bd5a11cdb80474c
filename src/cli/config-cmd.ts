/** `clawdbot config validate|show|schema [--json]`. */
import { stringify } from "yaml";
import { z } from "zod";
import { configSchema, ConfigError, redactConfig, resolvePaths } from "../config/index.js";
import { loadRuntime } from "../app/gateway.js";
import { parseCliArgs } from "./args.js";
import type { CliCommand } from "./help.js";
import { println, printJson, UsageError, type CliIo } from "./io.js";

export const CONFIG_HELP = `Usage: clawdbot [--config PATH] config <validate|show|schema> [--json]

Subcommands:
  validate   check the config as the gateway would (all problems at once, each with its key path);
             without a config file it says so: the built-in defaults are in use
  show       print the effective config (defaults filled in, secrets redacted)
  schema     print the JSON Schema of config.yaml (for editors)

The config is --config PATH, else $CLAWDBOT_CONFIG, else <state>/config.yaml.

Options:
  --json     validate: { ok, file, defaults, issues }; show: the config as JSON; schema is always JSON
  -h, --help this help

Exit status: 0 valid, 1 invalid, 2 usage error.`;

export async function runConfigCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseCliArgs(args, { json: { type: "boolean" } });
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError("usage: clawdbot config validate|show|schema [--json]");
  if (sub === "schema") {
    const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
    printJson(io.stdout, { $schema: "https://json-schema.org/draft/2020-12/schema", title: "Clawdbot Gateway config.yaml", ...schema });
    return 0;
  }
  if (sub !== "validate" && sub !== "show") throw new UsageError("usage: clawdbot config validate|show|schema [--json]");
  const paths = resolvePaths({ configFlag, env: io.env });
  try {
    const { runtime } = await loadRuntime({ ...paths, env: io.env, generateToken: false, requireToken: false });
    if (sub === "validate") {
      const file = runtime.configFile;
      if (values.json) printJson(io.stdout, { ok: true, file: file ?? null, defaults: file === undefined, issues: [] });
      else if (file === undefined)
        println(io.stdout, `config OK: no config file at ${paths.configPath}; the built-in defaults are in use (see docs/configuration.md)`);
      else println(io.stdout, `config OK: ${file}`);
      return 0;
    }
    const shown = redactConfig(runtime.config);
    if (values.json) printJson(io.stdout, shown);
    else println(io.stdout, stringify(shown).trimEnd());
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      if (values.json) printJson(io.stdout, { ok: false, file: e.file ?? paths.configPath, defaults: false, issues: e.issues });
      else {
        println(io.stderr, `invalid config ${e.file ?? paths.configPath}:`);
        for (const i of e.issues) println(io.stderr, `  ${i.path}: ${i.message}`);
      }
      return 1;
    }
    throw e;
  }
}

export const configCommand: CliCommand = {
  name: "config",
  summary: "validate | show | schema   check, print (secrets redacted) or describe the config",
  help: CONFIG_HELP,
  run: runConfigCommand,
};
