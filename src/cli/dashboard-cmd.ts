/**
 * `clawdbot dashboard [--open] [--url URL]`: prints the control page's link for
 * the local gateway, with the token in the URL fragment (`#token=…`: never sent
 * to the server, removed from the address bar by the page at once). With
 * `--open`, hands the link to the desktop's opener (xdg-open / open / start).
 */
import { parseCliArgs } from "./args.js";
import { spawn } from "node:child_process";
import { resolveTarget } from "./gateway-client.js";
import { println, UsageError, type CliIo } from "./io.js";

/** The page URL for a gateway WebSocket URL, with the secret (if any) in the fragment. */
export function dashboardLink(wsUrl: string, token: string | undefined): string {
  const base = wsUrl.replace(/^ws:/, "http:").replace(/^wss:/, "https:").replace(/\/+$/, "");
  return token ? `${base}/#token=${encodeURIComponent(token)}` : `${base}/`;
}

function opener(platform: NodeJS.Platform): { cmd: string; args: (url: string) => string[] } {
  if (platform === "darwin") return { cmd: "open", args: (u) => [u] };
  if (platform === "win32") return { cmd: "cmd", args: (u) => ["/c", "start", '""', u.replace(/&/g, "^&")] };
  return { cmd: "xdg-open", args: (u) => [u] };
}

export const DASHBOARD_HELP = `Usage: clawdbot dashboard [--open] [--url URL] [--token T]

Prints the control page's sign-in link for the local gateway: http://HOST:PORT/#token=…
(the token travels in the #fragment, which browsers never send to a server; the page
removes it from the address bar at once and keeps it in sessionStorage only).
Treat the link like the token. In password mode the link has no secret: sign in on the page.

  --open         also open the link in the desktop's browser (xdg-open / open / start)`;

export async function runDashboardCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseCliArgs(args, { open: { type: "boolean" }, url: { type: "string" }, token: { type: "string" } });
  if (positionals.length > 0) throw new UsageError("usage: clawdbot dashboard [--open] [--url URL] [--token T]");
  const target = await resolveTarget({ url: values.url, token: values.token, configFlag, env: io.env });
  const link = dashboardLink(target.url, target.token);
  println(io.stdout, link);
  if (target.token) println(io.stderr, "The link carries the gateway token (in the #fragment, which browsers do not send): treat it like the token.");
  else if (target.password) println(io.stderr, "Password mode: sign in on the page with the password.");
  if (values.open) {
    const o = opener(process.platform);
    await new Promise<void>((resolve) => {
      const child = spawn(o.cmd, o.args(link), { stdio: "ignore", detached: true });
      child.once("error", (e) => {
        println(io.stderr, `could not run ${o.cmd} (${e.message}); open the link above yourself`);
        resolve();
      });
      child.once("spawn", () => {
        child.unref();
        resolve();
      });
    });
  }
  return 0;
}
