/**
 * Real TLS-terminating proxies for integration tests: a certificate made at test time with
 * openssl, and nginx or Caddy (Debian packages, installed by .ci/run) running a server block
 * taken from docs/tls.md, in a temp dir, on a free port, in front of a test gateway.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SERVER_NAME = "gateway.company.com";

/** nginx lives in /usr/sbin, which a non-login PATH may lack. */
const SBIN_ENV = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/local/sbin:/usr/sbin:/sbin` };

export interface TestCert {
  dir: string;
  certPath: string;
  keyPath: string;
  /** PEM, to verify the proxy in the client. */
  cert: string;
}

/** A P-256 key and a one-day self-signed certificate for SERVER_NAME. */
export async function makeCert(): Promise<TestCert> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-tls-"));
  const certPath = path.join(dir, "gateway.crt");
  const keyPath = path.join(dir, "gateway.key");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", `/CN=${SERVER_NAME}`, "-addext", `subjectAltName=DNS:${SERVER_NAME}`,
    "-keyout", keyPath, "-out", certPath,
  ]);
  return { dir, certPath, keyPath, cert: await fs.readFile(certPath, "utf8") };
}

/** The fenced block after `<!-- tls-test: NAME -->` in docs/tls.md. */
export function docBlock(markdown: string, name: string): string {
  const m = new RegExp(`<!-- tls-test: ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(markdown);
  if (!m?.[1]) throw new Error(`docs/tls.md has no block marked tls-test: ${name}`);
  return m[1];
}

export interface RunningProxy {
  port: number;
  /** What the proxy wrote to its error log (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Substitutions applied to a documented block: only the ports and the certificate paths. */
function localize(block: string, cert: TestCert, upstreamPort: number): string {
  const out = block
    .replaceAll("/etc/ssl/certs/gateway.crt", cert.certPath)
    .replaceAll("/etc/ssl/private/gateway.key", cert.keyPath)
    .replaceAll(":18789", `:${upstreamPort}`);
  if (out === block) throw new Error("block has nothing to localize: not the documented block?");
  return out;
}

export async function startNginx(block: string, cert: TestCert, upstreamPort: number): Promise<RunningProxy> {
  return withFreePort(async (port) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-nginx-"));
    const server = localize(block, cert, upstreamPort).replace(/listen 443 /, `listen ${port} `);
    const temp = (n: string): string => `${n}_temp_path ${path.join(dir, n)};`;
    const conf = [
      "worker_processes 1;",
      "daemon off;",
      `pid ${path.join(dir, "nginx.pid")};`,
      `error_log ${path.join(dir, "error.log")} warn;`,
      // As root the workers would switch to nobody, who cannot use this private temp dir.
      process.getuid?.() === 0 ? "user root root;" : "",
      "events { worker_connections 256; }",
      "http {",
      "  access_log off;",
      `  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
      server,
      "}",
    ].join("\n");
    await fs.writeFile(path.join(dir, "nginx.conf"), conf);
    const child = spawn("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], { stdio: ["ignore", "ignore", "pipe"], env: SBIN_ENV });
    return started(child, port, () => fs.readFile(path.join(dir, "error.log"), "utf8").catch(() => ""), dir);
  });
}

export async function startCaddy(block: string, cert: TestCert, upstreamPort: number): Promise<RunningProxy> {
  return withFreePort(async (port) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-caddy-"));
    const site = localize(block, cert, upstreamPort).replace(`${SERVER_NAME} {`, `https://${SERVER_NAME}:${port} {`);
    // No admin endpoint and no ACME/redirects: this test process owns nothing but its port.
    const caddyfile = `{\n\tadmin off\n\tauto_https off\n}\n\n${site}`;
    await fs.writeFile(path.join(dir, "Caddyfile"), caddyfile);
    let stderr = "";
    const env = { PATH: SBIN_ENV.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    const child = spawn("caddy", ["run", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"], { env, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    return started(child, port, () => Promise.resolve(stderr), dir);
  });
}

/** Resolves once the proxy accepts TCP connections on `port`; rejects if it exits first. */
async function started(child: ChildProcess, port: number, log: () => Promise<string>, dir: string): Promise<RunningProxy> {
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", (code) => ((exited = code), resolve())));
  child.stderr?.resume();
  const deadline = Date.now() + 20_000;
  while (exited === undefined) {
    if (await accepts(port)) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited !== undefined || !(await accepts(port))) {
    child.kill("SIGKILL");
    throw Object.assign(new Error(`proxy did not start on port ${port}: ${(await log()).slice(-2000)}`), { portInUse: /in use|EADDRINUSE/i.test(await log()) });
  }
  return {
    port,
    log,
    stop: async () => {
      if (exited === undefined) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exit;
        clearTimeout(t);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

/**
 * Runs `start` on a port the kernel just handed out. Another process can take it between our
 * probe and the proxy's bind; that shows as "address in use", and we try again with a new port.
 */
async function withFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(0, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    try {
      return await start(port);
    } catch (e) {
      if (attempt < 5 && (e as { portInUse?: boolean }).portInUse) continue;
      throw e;
    }
  }
}

/** A `lookup` that resolves SERVER_NAME to 127.0.0.1, so clients verify the certificate by name. */
export function lookupServerName(hostname: string, options: unknown, cb: (...args: unknown[]) => void): void {
  if (hostname !== SERVER_NAME) {
    cb(Object.assign(new Error(`unexpected lookup of ${hostname}`), { code: "ENOTFOUND" }));
    return;
  }
  if ((options as { all?: boolean } | undefined)?.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
  else cb(null, "127.0.0.1", 4);
}
