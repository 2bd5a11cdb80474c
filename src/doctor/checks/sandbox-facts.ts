/**
 * What the sandbox probe found, as findings (`doctor --check sandbox`): the
 * host uid commands run as, user namespaces, and the limits in force inside.
 */
import type { SandboxFacts } from "../../sandbox/probe.js";
import type { SandboxSettings } from "../../sandbox/settings.js";
import type { Finding } from "../types.js";

const MiB = 1024 * 1024;
const size = (n: number | undefined) => (n === undefined ? "unlimited" : n % (1024 * MiB) === 0 ? `${n / (1024 * MiB)} GiB` : `${Math.round(n / MiB)} MiB`);

function userFinding(f: SandboxFacts): Finding {
  const subject = "tools.sandbox.uid";
  if (f.uid === 0 || f.gid === 0) {
    return {
      check: "sandbox",
      id: "sandbox.user",
      status: "fail",
      subject,
      message: `sandboxed commands run as host uid ${f.uid} gid ${f.gid}: root privilege inside the sandbox`,
      fix: "run the gateway as root with tools.sandbox.uid/gid set to an unprivileged user, or as an unprivileged user",
    };
  }
  const how = f.dropped
    ? "the gateway is root and drops to tools.sandbox.uid/gid" + (f.uid === 65534 ? " (the shared 'nobody' uid; a dedicated uid is better, see docs/sandbox.md)" : "")
    : "the gateway's own user; tools.sandbox.uid applies only when the gateway runs as root";
  return { check: "sandbox", id: "sandbox.user", status: "pass", subject, message: `sandboxed commands run as host uid ${f.uid} gid ${f.gid}: ${how}` };
}

function userNamespaceFinding(f: SandboxFacts): Finding {
  const host = f.hostUserNamespaces ? "user namespaces work for the gateway's user" : "user namespaces do not work for the gateway's user";
  if (f.sandboxUserNamespaces) {
    return {
      check: "sandbox",
      id: "sandbox.userns",
      status: "warn",
      subject: "user.max_user_namespaces",
      message: `${host}; a sandboxed command can create user namespaces of its own (no host privilege, but more kernel attack surface)`,
      fix: f.dropped
        ? "use a bubblewrap 0.8+ under /usr (tools.exec.bwrapPath), which then forbids nested user namespaces; or, since a root gateway needs none, sysctl -w user.max_user_namespaces=0"
        : "use a bubblewrap that supports --disable-userns (0.8 or later)",
    };
  }
  return { check: "sandbox", id: "sandbox.userns", status: "pass", subject: "user.max_user_namespaces", message: `${host}; sandboxed commands cannot create user namespaces` };
}

function limitsFinding(f: SandboxFacts, want: SandboxSettings): Finding {
  const wrong: string[] = [];
  for (const key of ["maxProcesses", "maxMemoryBytes", "maxCpuSeconds", "maxFileBytes"] as const) {
    if (f.limits[key] !== want[key]) wrong.push(`${key} is ${f.limits[key] ?? "unlimited"} inside, configured ${want[key]}`);
  }
  const l = f.limits;
  const summary =
    `${l.maxProcesses ?? "unlimited"} processes per command, ${size(l.maxMemoryBytes)} address space and ${l.maxCpuSeconds ?? "unlimited"} s CPU per process, ` +
    `${size(l.maxFileBytes)} per file, ${size(want.maxTmpBytes)} /tmp (rlimits and a sized tmpfs; no cgroup)`;
  if (wrong.length > 0) {
    return { check: "sandbox", id: "sandbox.limits", status: "fail", subject: "tools.sandbox", message: `limits not in force: ${wrong.join("; ")}`, fix: "install util-linux (prlimit) and check docs/sandbox.md" };
  }
  return { check: "sandbox", id: "sandbox.limits", status: "pass", subject: "tools.sandbox", message: `limits in force: ${summary}` };
}

export function factFindings(f: SandboxFacts, want: SandboxSettings): Finding[] {
  return [userFinding(f), userNamespaceFinding(f), limitsFinding(f, want)];
}
