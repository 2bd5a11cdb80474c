/**
 * `clawdbot doctor [--check NAME[,NAME]]... [--fix] [--json]`
 * Exit 0 when nothing fails, 1 when something fails, 2 on a usage error.
 */
import { parseArgs } from "node:util";
import { resolvePaths } from "../config/index.js";
import { formatReport } from "../doctor/format-findings.js";
import { runDoctor } from "../doctor/run-doctor.js";
import { CHECK_NAMES, isCheckName } from "../doctor/types.js";
import type { CheckName } from "../doctor/types.js";
import type { CliCommand } from "./help.js";

export const DOCTOR_USAGE = `usage: clawdbot doctor [--check ${CHECK_NAMES.join("|")}|all]... [--fix] [--json] [--config PATH]
  --check  checks to run (repeat or comma-separate; default all)
  --fix    tighten file permissions that are too open (never follows symlinks)
  --json   print { ok, findings } as JSON
  -h, --help  this help
exit status: 0 nothing failed, 1 something failed (or doctor could not complete), 2 usage error
(suitable as a systemd ExecStartPre=: see docs/systemd.md)
`;

export interface DoctorCommandIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The global --config flag, when the main CLI parsed one. */
  configFlag?: string;
}

export async function runDoctorCommand(args: string[], io: DoctorCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        check: { type: "string", multiple: true },
        fix: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        config: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    io.stderr.write(`clawdbot doctor: ${(e as Error).message}\n${DOCTOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(DOCTOR_USAGE);
    return 0;
  }
  const checks = parseChecks(values.check ?? []);
  if (typeof checks === "string") {
    io.stderr.write(`clawdbot doctor: unknown check "${checks}"\n${DOCTOR_USAGE}`);
    return 2;
  }
  const paths = resolvePaths({ configFlag: values.config ?? io.configFlag, env: io.env });
  let result;
  try {
    result = await runDoctor({ ...paths, checks, fix: values.fix, env: io.env });
  } catch (e) {
    io.stderr.write(`clawdbot doctor: could not complete (${(e as NodeJS.ErrnoException).code ?? (e as Error).name})\n`);
    return 1;
  }
  io.stdout.write(values.json ? `${JSON.stringify({ ok: result.ok, findings: result.findings }, null, 2)}\n` : formatReport(result.findings));
  return result.ok ? 0 : 1;
}

/** The selected checks ([] = all), or the first unknown name. */
export function parseChecks(raw: readonly string[]): CheckName[] | string {
  const out = new Set<CheckName>();
  let all = false;
  for (const part of raw.flatMap((r) => r.split(","))) {
    const name = part.trim();
    if (name === "all") all = true;
    else if (isCheckName(name)) out.add(name);
    else return name;
  }
  return all ? [] : [...out];
}

export const doctorCommand: CliCommand = {
  name: "doctor",
  summary: "[--check NAME] [--fix] [--json]   check the setup against the guide's security checklist",
  help: DOCTOR_USAGE,
  run: (args, io, configFlag) => runDoctorCommand(args, { env: io.env, stdout: io.stdout, stderr: io.stderr, ...(configFlag ? { configFlag } : {}) }),
};
