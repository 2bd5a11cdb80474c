import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensurePrivateDir, isAtomicTempName, readJsonFile, writeFileAtomic } from "./atomic-file.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atomic-file-"));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe("writeFileAtomic", () => {
  it("writes content with mode 0600 by default, even over a looser file", async () => {
    const d = await tempDir();
    const f = path.join(d, "state.json");
    await writeFile(f, "old", { mode: 0o644 });
    await writeFileAtomic(f, "new");
    assert.equal(await readFile(f, "utf8"), "new");
    assert.equal(await mode(f), 0o600);
  });

  it("honours an explicit mode and Buffer data", async () => {
    const d = await tempDir();
    const f = path.join(d, "blob");
    await writeFileAtomic(f, Buffer.from([1, 2, 3]), 0o640);
    assert.deepEqual([...(await readFile(f))], [1, 2, 3]);
    assert.equal(await mode(f), 0o640);
  });

  it("leaves no temp file behind and the target untouched when the rename fails", async () => {
    const d = await tempDir();
    const target = path.join(d, "is-a-dir");
    await ensurePrivateDir(path.join(target, "child")); // rename onto a non-empty dir fails
    await assert.rejects(writeFileAtomic(target, "x"));
    const names = await readdir(d);
    assert.deepEqual(names, ["is-a-dir"]);
  });

  it("concurrent writers never produce a torn file, and readers only see whole versions", async () => {
    const d = await tempDir();
    const f = path.join(d, "race.txt");
    const versions = Array.from({ length: 12 }, (_, i) => String.fromCharCode(65 + i).repeat(256 * 1024));
    await writeFileAtomic(f, versions[0] ?? "");
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(f, "utf8");
        assert.ok(versions.includes(text), `torn read of length ${text.length}`);
        reads++;
      }
    })();
    await Promise.all(versions.map((v) => writeFileAtomic(f, v)));
    stop = true;
    await reader;
    assert.ok(reads > 0);
    assert.ok(versions.includes(await readFile(f, "utf8")));
    assert.deepEqual((await readdir(d)).filter(isAtomicTempName), []);
  });

  it("a writer killed mid-stream leaves either the old or the new content", async () => {
    const d = await tempDir();
    const f = path.join(d, "crash.txt");
    const a = "a".repeat(2 * 1024 * 1024);
    const b = "b".repeat(2 * 1024 * 1024);
    await writeFileAtomic(f, a);
    const moduleUrl = new URL("./atomic-file.js", import.meta.url).href;
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});
      const f = ${JSON.stringify(f)};
      const a = "a".repeat(${a.length}), b = "b".repeat(${b.length});
      let n = 0;
      for (;;) { await writeFileAtomic(f, n++ % 2 ? a : b); if (n === 3) process.stdout.write("go\\n"); }
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`child exited early: ${code}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const text = await readFile(f, "utf8");
    assert.ok(text === a || text === b, `torn file of length ${text.length}`);
    assert.equal(await mode(f), 0o600);
  });
});

describe("readJsonFile", () => {
  it("returns undefined for a missing file", async () => {
    const d = await tempDir();
    assert.equal(await readJsonFile(path.join(d, "nope.json")), undefined);
  });

  it("parses JSON", async () => {
    const d = await tempDir();
    const f = path.join(d, "x.json");
    await writeFileAtomic(f, JSON.stringify({ a: [1] }));
    assert.deepEqual(await readJsonFile<{ a: number[] }>(f), { a: [1] });
  });

  it("rejects invalid JSON without echoing the content", async () => {
    const d = await tempDir();
    const f = path.join(d, "bad.json");
    await writeFile(f, "{secret-value");
    await assert.rejects(readJsonFile(f), (err: Error) => !err.message.includes("secret-value") && err.message.includes(f));
  });
});

describe("ensurePrivateDir", () => {
  it("creates nested dirs 0700 and tightens an existing one", async () => {
    const d = await tempDir();
    const nested = path.join(d, "a", "b");
    await ensurePrivateDir(nested);
    assert.equal(await mode(nested), 0o700);
    const loose = path.join(d, "loose");
    await ensurePrivateDir(loose);
    await chmod(loose, 0o755);
    await ensurePrivateDir(loose);
    assert.equal(await mode(loose), 0o700);
  });
});
