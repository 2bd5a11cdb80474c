/** `clawdbot devices list [--json] | approve ID --as PRINCIPAL | reject ID | revoke ID | rotate ID`. */
import { println, printJson, printSafe, table, UsageError, type CliIo } from "./io.js";
import { parseClientArgs, withClient } from "./client-cmd.js";
import { CLIENT_OPTIONS_HELP, type CliCommand } from "./help.js";

interface PendingView {
  requestId: string;
  deviceId: string;
  clientId: string;
  platform?: string;
  remoteIp: string;
  expiresAtMs: number;
}
interface PairedView {
  deviceId: string;
  principal: string;
  clientId: string;
  platform?: string;
  approvedAtMs: number;
}

const USAGE = "usage: clawdbot devices list | approve ID --as PRINCIPAL | reject ID | revoke ID | rotate ID  (see clawdbot devices --help)";

export const DEVICES_HELP = `Usage: clawdbot devices <subcommand> [options]

Device pairing on the running gateway (needs the admin permission).

Subcommands:
  list                     pending pairing requests and paired devices
  approve ID --as PRINCIPAL  pair a pending request (request id or device id); the device acts as PRINCIPAL
  reject ID                refuse a pending request
  revoke ID                unpair a device and close its connections
  rotate ID                issue a new device token (printed once) and close its connections

Options:
  --as PRINCIPAL the principal an approved device acts as
${CLIENT_OPTIONS_HELP}

--json: list prints one object { pending: [...], paired: [...] }; the others one object.
Text output escapes control characters and bidi overrides in client ids and platforms.
Exit status: 0 done, 1 refused or unreachable, 2 usage error.`;

export async function runDevicesCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseClientArgs(args, { as: { type: "string" } });
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0 || !sub) throw new UsageError(USAGE);
  if (sub !== "list" && !id) throw new UsageError(USAGE);
  return withClient(io, configFlag, values, async (client) => {
    switch (sub) {
      case "list": {
        const r = await client.request<{ pending: PendingView[]; paired: PairedView[] }>("device.pair.list");
        if (values.json) {
          printJson(io.stdout, r);
          return 0;
        }
        println(io.stdout, "Pending pairing requests:");
        println(
          io.stdout,
          r.pending.length === 0
            ? "  (none)"
            : table(["REQUEST", "DEVICE", "CLIENT", "PLATFORM", "FROM", "EXPIRES"], r.pending.map((p) => [p.requestId, p.deviceId.slice(0, 16), p.clientId, p.platform ?? "-", p.remoteIp, new Date(p.expiresAtMs).toISOString()])),
        );
        println(io.stdout, "Paired devices:");
        println(
          io.stdout,
          r.paired.length === 0
            ? "  (none)"
            : table(["DEVICE", "PRINCIPAL", "CLIENT", "PLATFORM", "APPROVED"], r.paired.map((d) => [d.deviceId, d.principal, d.clientId, d.platform ?? "-", new Date(d.approvedAtMs).toISOString()])),
        );
        return 0;
      }
      case "approve": {
        if (!values.as) throw new UsageError("devices approve needs --as PRINCIPAL (the principal the device will act as)");
        const r = await client.request<{ device: PairedView }>("device.pair.approve", { requestId: id, principal: values.as });
        if (values.json) printJson(io.stdout, r);
        else printSafe(io.stdout, `approved device ${r.device.deviceId} as ${r.device.principal}`);
        return 0;
      }
      case "reject": {
        const r = await client.request<{ requestId: string; deviceId: string }>("device.pair.reject", { requestId: id });
        if (values.json) printJson(io.stdout, r);
        else printSafe(io.stdout, `rejected pairing request ${r.requestId} (device ${r.deviceId})`);
        return 0;
      }
      case "revoke": {
        const r = await client.request<{ deviceId: string; closedConnections: number }>("device.token.revoke", { deviceId: id });
        if (values.json) printJson(io.stdout, r);
        else printSafe(io.stdout, `revoked device ${r.deviceId} (${r.closedConnections} open connection(s) closed)`);
        return 0;
      }
      case "rotate": {
        const r = await client.request<{ deviceId: string; deviceToken: string }>("device.token.rotate", { deviceId: id });
        // The new token is printed once, on request, for the operator to hand to the device.
        if (values.json) printJson(io.stdout, r);
        else printSafe(io.stdout, `rotated the token of device ${r.deviceId}; new device token: ${r.deviceToken}`);
        return 0;
      }
      default:
        throw new UsageError(USAGE);
    }
  });
}

export const devicesCommand: CliCommand = {
  name: "devices",
  summary: "list | approve ID --as PRINCIPAL | reject ID | revoke ID | rotate ID   (running gateway)",
  help: DEVICES_HELP,
  run: runDevicesCommand,
};
