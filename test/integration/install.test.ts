/**
 * The README's install path, run as printed (into a temporary npm prefix): `clawdbot` is on
 * the PATH, it is the gateway process itself (no npx / npm exec wrapper), and SIGTERM reaches
 * it. The systemd unit in docs/systemd.md is checked with systemd-analyze where installed.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import { VERSION } from "../../src/app/version.js";
import { makeStateDir } from "../helpers/harness.js";
import { BIN } from "../helpers/cli.js";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(BIN), "../../..");

function fenced(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```", "gm"))].map((m) => m[1] as string);
}

async function which(cmd: string): Promise<string | undefined> {
  return run("sh", ["-c", `command -v ${cmd}`]).then(
    (r) => r.stdout.trim() || undefined,
    () => undefined,
  );
}

describe("install as the README says", () => {
  test("npm install -g puts clawdbot on the PATH; the gateway is that process and SIGTERM stops it cleanly", async () => {
    const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
    assert.doesNotMatch(readme, /npx clawdbot|npm exec/, "one path: no npx wrapper");
    const lines = fenced(readme, "bash").flatMap((b) => b.split("\n")).map((l) => l.replace(/\s+#.*$/, "").trim());
    const install = lines.find((l) => /^npm install -g\b/.test(l));
    assert.ok(install, "the README installs with npm install -g");
    assert.ok(lines.includes("npm ci") && lines.indexOf("npm ci") < lines.indexOf(install), "after npm ci");
    assert.ok(lines.some((l) => /^clawdbot gateway\b/.test(l)), "then runs plain clawdbot");
    const prefix = await makeStateDir();
    const args = install.split(/\s+/).slice(1);
    args.splice(args.indexOf("-g") + 1, 0, "--prefix", prefix);
    await run("npm", args, {
      cwd: ROOT,
      env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" },
    });
    const bin = path.join(prefix, "bin", "clawdbot");
    const env = { PATH: `${path.join(prefix, "bin")}:${process.env.PATH}`, HOME: prefix, CLAWDBOT_STATE_DIR: path.join(prefix, "state") };
    assert.equal((await run("clawdbot", ["--version"], { env })).stdout, `${VERSION}\n`);
    assert.match((await run("clawdbot", ["gateway", "--help"], { env })).stdout, /^Usage: clawdbot/);

    const child = spawn("clawdbot", ["gateway", "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes('"listening"')) resolve();
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    // The process we started is node running the gateway (the bin is the script itself).
    const cmdline = (await fs.readFile(`/proc/${child.pid}/cmdline`, "utf8")).split("\0");
    assert.match(path.basename(cmdline[0] as string), /^node/);
    assert.ok(cmdline.some((a) => a === bin || a.endsWith("dist/src/cli/main.js")), cmdline.join(" "));
    child.kill("SIGTERM");
    assert.equal(await exited, 0, err);
    assert.match(err, /SIGTERM received: draining connections and flushing the audit log/);
    assert.match(err, /gateway stopped/);
  });

  test("the systemd unit in docs/systemd.md verifies (no unknown or malformed settings)", async (t) => {
    const analyze = await which("systemd-analyze");
    if (!analyze) return t.skip("systemd-analyze is not installed");
    const doc = await fs.readFile(path.join(ROOT, "docs", "systemd.md"), "utf8");
    const [unit] = fenced(doc, "ini");
    assert.ok(unit?.includes("ExecStartPre=/usr/local/bin/clawdbot doctor"), "doctor gates every start");
    const dir = await makeStateDir();
    const file = path.join(dir, "clawdbot.service");
    await fs.writeFile(file, (unit as string).replaceAll("/usr/local/bin/clawdbot", BIN));
    const r = await run(analyze, ["verify", file]).then(
      (x) => ({ code: 0, stderr: x.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), "", "systemd-analyze reports nothing about the unit");
  });

  test("the unit's privilege settings leave the sandbox working; the /proc over-mounts it leaves out would break it", async (t) => {
    // Emulated with util-linux, as systemd applies them: User= (an unprivileged uid), NoNewPrivileges=yes,
    // CapabilityBoundingSet= (empty). ProtectKernelTunables= would over-mount /proc/sys read-only.
    const setpriv = await which("setpriv");
    const unshare = await which("unshare");
    if (process.getuid?.() !== 0 || !setpriv || !unshare) return t.skip("needs root, setpriv and unshare");
    const stateDir = await makeStateDir();
    await fs.chown(stateDir, 65534, 65534);
    const asService = [setpriv, "--no-new-privs", "--reuid=65534", "--regid=65534", "--clear-groups", "--bounding-set=-all"];
    const env = { PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: path.join(stateDir, "state") };
    const readable = await run(asService[0] as string, [...asService.slice(1), process.execPath, "-e", `require("fs").accessSync(${JSON.stringify(BIN)})`], { env }).then(
      () => true,
      () => false,
    );
    if (!readable) return t.skip(`uid 65534 cannot read ${BIN} (checkout in a private directory)`);
    const doctor = [process.execPath, BIN, "doctor", "--check", "sandbox"];
    const ok = await run(asService[0] as string, [...asService.slice(1), ...doctor], { env }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /✔ \[sandbox\] tools\.exec\.bwrapPath — bubblewrap \(bwrap\) works/);
    const script = `mount --make-rprivate / && mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"`;
    const broken = await run(unshare, ["-m", "sh", "-c", script, "sh", ...asService, ...doctor], { env }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    assert.equal(broken.code, 1, "doctor as ExecStartPre stops the start");
    assert.match(broken.out, /✖ \[sandbox\] tools\.exec\.bwrapPath — .*Can't mount proc/);
  });
});
