/** `clawdbot approvals list [--mine] | approve ID | reject ID [--reason R] | cancel ID | watch`. */
import { println, printJson, printJsonLine, printSafe, table, UsageError, type CliIo } from "./io.js";
import { parseClientArgs, withClient } from "./client-cmd.js";
import { CLIENT_OPTIONS_HELP, type CliCommand } from "./help.js";

interface ApprovalView {
  id: string;
  command: string;
  agentId: string;
  /** A principal id in events; `{id, remoteIp?}` in `exec.approval.list`. */
  requester: string | { id: string; remoteIp?: string };
  classes: string[];
  expiresAtMs: number;
}

const USAGE = "usage: clawdbot approvals list [--mine] | approve ID | reject ID [--reason R] | cancel ID | watch  (see clawdbot approvals --help)";

export const APPROVALS_HELP = `Usage: clawdbot approvals <subcommand> [options]

Exec approvals on the running gateway: commands in approvals.exec.requireApproval
classes wait here until someone other than the requester decides.

Subcommands:
  list [--mine]           pending requests (needs exec.approve); --mine: your own requests (any principal)
  approve ID              approve a pending request (needs exec.approve; never your own)
  reject ID [--reason R]  reject it, with a reason the requester sees
  cancel ID               withdraw a request you made yourself (audited as exec.approval.cancel)
  watch                   print pending requests, then each new request and decision until Ctrl-C

Options:
  --reason R     the reason recorded with a rejection
  --mine         list only your own pending requests
${CLIENT_OPTIONS_HELP}

--json: list prints one JSON array; approve/reject/cancel one object; watch one object per line.
Text output escapes control characters and bidi overrides (\\u001b, \\u202e, ...).
Exit status: 0 done, 1 refused or unreachable, 2 usage error.`;

function requesterText(r: ApprovalView["requester"]): string {
  return typeof r === "string" ? r : `${r.id}${r.remoteIp ? `@${r.remoteIp}` : ""}`;
}

/** One pending request as table cells (table() escapes them). */
function row(a: ApprovalView): string[] {
  return [a.id, requesterText(a.requester), a.agentId, a.classes.join(","), new Date(a.expiresAtMs).toISOString(), a.command];
}

export async function runApprovalsCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseClientArgs(args, { reason: { type: "string" }, mine: { type: "boolean" } });
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0 || !sub) throw new UsageError(USAGE);
  if ((sub === "approve" || sub === "reject" || sub === "cancel") && !id) throw new UsageError(USAGE);
  if (!["list", "approve", "reject", "cancel", "watch"].includes(sub)) throw new UsageError(USAGE);
  return withClient(io, configFlag, values, async (client) => {
    if (sub === "list") {
      const r = await client.request<{ approvals: ApprovalView[] }>(values.mine ? "exec.approval.mine" : "exec.approval.list");
      if (values.json) printJson(io.stdout, r.approvals);
      else if (r.approvals.length === 0) println(io.stdout, "no pending approvals");
      else println(io.stdout, table(["ID", "REQUESTER", "AGENT", "CLASSES", "EXPIRES", "COMMAND"], r.approvals.map(row)));
      return 0;
    }
    if (sub === "approve" || sub === "reject") {
      const r = await client.request<{ id: string; decision: string }>("exec.approval.resolve", {
        id,
        decision: sub,
        ...(values.reason ? { reason: values.reason } : {}),
      });
      if (values.json) printJson(io.stdout, r);
      else printSafe(io.stdout, `${r.decision === "approve" ? "approved" : "rejected"} ${r.id}`);
      return 0;
    }
    if (sub === "cancel") {
      const r = await client.request<{ id: string; cancelled: boolean }>("exec.approval.cancel", { id });
      if (values.json) printJson(io.stdout, r);
      else printSafe(io.stdout, `cancelled ${r.id}`);
      return 0;
    }
    // watch: a stream, so --json is one object per line.
    const r = await client.request<{ approvals: ApprovalView[] }>("exec.approval.list");
    for (const a of r.approvals) {
      if (values.json) printJsonLine(io.stdout, { event: "exec.approval.requested", payload: a });
      else printSafe(io.stdout, `pending  ${row(a).join("  ")}`);
    }
    client.onEvent((event, payload) => {
      if (!event.startsWith("exec.approval.")) return;
      if (values.json) printJsonLine(io.stdout, { event, payload });
      else if (event === "exec.approval.requested") printSafe(io.stdout, `requested  ${row(payload as ApprovalView).join("  ")}`);
      else {
        const p = payload as { id: string; decision: string; reason?: string; decider?: string | null };
        printSafe(io.stdout, `resolved  ${p.id}  ${p.decision}  ${p.decider ?? "-"}  ${p.reason ?? ""}`);
      }
    });
    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) return resolve();
      io.signal?.addEventListener("abort", () => resolve(), { once: true });
      process.once("SIGINT", () => resolve());
      void client.closed.then(() => resolve());
    });
    return 0;
  });
}

export const approvalsCommand: CliCommand = {
  name: "approvals",
  summary: "list | approve ID | reject ID [--reason R] | cancel ID | watch   (running gateway)",
  help: APPROVALS_HELP,
  run: runApprovalsCommand,
};
