/** `clawdbot approvals list|approve ID|reject ID [--reason R]|watch`. */
import { println, table, UsageError, type CliIo } from "./io.js";
import { parseClientArgs, withClient } from "./client-cmd.js";

interface ApprovalView {
  id: string;
  command: string;
  agentId: string;
  /** A principal id in events; `{id, remoteIp?}` in `exec.approval.list`. */
  requester: string | { id: string; remoteIp?: string };
  classes: string[];
  expiresAtMs: number;
}

function row(a: ApprovalView): string[] {
  const requester = typeof a.requester === "string" ? a.requester : `${a.requester.id}${a.requester.remoteIp ? `@${a.requester.remoteIp}` : ""}`;
  return [a.id, requester, a.agentId, a.classes.join(","), new Date(a.expiresAtMs).toISOString(), a.command.length > 60 ? `${a.command.slice(0, 57)}...` : a.command];
}

export async function runApprovalsCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseClientArgs(args, { reason: { type: "string" } });
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError("usage: clawdbot approvals list|approve ID|reject ID [--reason R]|watch");
  return withClient(io, configFlag, values, async (client) => {
    if (sub === "list") {
      const r = await client.request<{ approvals: ApprovalView[] }>("exec.approval.list");
      if (values.json) for (const a of r.approvals) println(io.stdout, JSON.stringify(a));
      else if (r.approvals.length === 0) println(io.stdout, "no pending approvals");
      else println(io.stdout, table(["ID", "REQUESTER", "AGENT", "CLASSES", "EXPIRES", "COMMAND"], r.approvals.map(row)));
      return 0;
    }
    if ((sub === "approve" || sub === "reject") && id) {
      const r = await client.request<{ id: string; decision: string }>("exec.approval.resolve", {
        id,
        decision: sub,
        ...(values.reason ? { reason: values.reason } : {}),
      });
      println(io.stdout, values.json ? JSON.stringify(r) : `${r.decision === "approve" ? "approved" : "rejected"} ${r.id}`);
      return 0;
    }
    if (sub === "watch") {
      const r = await client.request<{ approvals: ApprovalView[] }>("exec.approval.list");
      for (const a of r.approvals) println(io.stdout, values.json ? JSON.stringify({ event: "exec.approval.requested", payload: a }) : `pending  ${row(a).join("  ")}`);
      client.onEvent((event, payload) => {
        if (!event.startsWith("exec.approval.")) return;
        if (values.json) println(io.stdout, JSON.stringify({ event, payload }));
        else if (event === "exec.approval.requested") println(io.stdout, `requested  ${row(payload as ApprovalView).join("  ")}`);
        else {
          const p = payload as { id: string; decision: string; reason?: string; decider?: string | null };
          println(io.stdout, `resolved  ${p.id}  ${p.decision}  ${p.decider ?? "-"}  ${p.reason ?? ""}`);
        }
      });
      await new Promise<void>((resolve) => {
        if (io.signal?.aborted) return resolve();
        io.signal?.addEventListener("abort", () => resolve(), { once: true });
        process.once("SIGINT", () => resolve());
        void client.closed.then(() => resolve());
      });
      return 0;
    }
    throw new UsageError("usage: clawdbot approvals list|approve ID|reject ID [--reason R]|watch");
  });
}
