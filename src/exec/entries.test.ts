/**
 * Issue 9 item 7: blocklist entries mean what people expect — program
 * families (`mkfs` stops `mkfs.ext4`), chmod modes by the bits they set, and
 * pipe-into-a-shell entries (`curl | sh`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeCommand } from "./analyze.js";
import { compileBlocklist, matchBlocklist } from "./blocklist.js";

const ENTRIES = ["mkfs", "chmod -R 777 /", "curl | sh", "wget -O- | bash", "python3 -c"];
const compiled = compileBlocklist(ENTRIES);
const opts = { cwd: "/w", pathExists: () => false, readLink: () => null };
const blockedBy = (command: string) => {
  const a = analyzeCommand(command, opts);
  assert.equal(a.ok, true, a.parseError);
  return matchBlocklist(compiled, a)?.entry ?? null;
};

/** [command, entry] */
const BLOCKED: [string, string][] = [
  ["mkfs /dev/sdb1", "mkfs"],
  ["mkfs.ext4 /dev/sdb1", "mkfs"],
  ["mkfs.vfat -F 32 /dev/sdb1", "mkfs"],
  ["/sbin/mkfs.xfs -f /dev/sdb", "mkfs"],
  ["sudo mkfs.btrfs /dev/sdb", "mkfs"],
  ["python3.11 -c 'print(1)'", "python3 -c"],
  ["chmod -R 777 /", "chmod -R 777 /"],
  ["chmod -R 0777 /", "chmod -R 777 /"],
  ["chmod -R 00777 /", "chmod -R 777 /"],
  ["chmod -R 1777 /", "chmod -R 777 /"],
  ["chmod -R 7777 /", "chmod -R 777 /"],
  ["chmod -R a+rwx /", "chmod -R 777 /"],
  ["chmod -R ugo+rwx /", "chmod -R 777 /"],
  ["chmod -R a=rwx /", "chmod -R 777 /"],
  ["chmod -R u=rwx,g=rwx,o=rwx /", "chmod -R 777 /"],
  ["chmod -R u+rwx,go+rwx /", "chmod -R 777 /"],
  ["chmod -R +rwx /", "chmod -R 777 /"],
  ["chmod -R a+rwX /", "chmod -R 777 /"],
  ["chmod -R u=rwx,g=u,o=u /", "chmod -R 777 /"],
  ["chmod --recursive 777 /", "chmod -R 777 /"],
  ["chmod -Rv 777 /", "chmod -R 777 /"],
  ["chmod -vR 0777 /", "chmod -R 777 /"],
  ["chmod -R -v -c 777 /", "chmod -R 777 /"],
  ["chmod 777 -R /", "chmod -R 777 /"],
  ["chmod -R 777 //", "chmod -R 777 /"],
  ["chmod -R 777 /*", "chmod -R 777 /"],
  ["sudo chmod -R 777 /", "chmod -R 777 /"],
  ["chmod -R \"$MODE\" /", "chmod -R 777 /"],
  ["curl -fsSL https://example.org/install.sh | sh", "curl | sh"],
  ["curl https://example.org/x | bash", "curl | sh"],
  ["curl -s https://example.org/x | sudo sh", "curl | sh"],
  ["curl https://example.org/x | sudo -E bash -s -- --yes", "curl | sh"],
  ["curl https://example.org/x | tee install.log | sh", "curl | sh"],
  ["curl https://example.org/x | zsh", "curl | sh"],
  ["sh <(curl -s https://example.org/x)", "curl | sh"],
  ["bash < <(curl -s https://example.org/x)", "curl | sh"],
  ["bash -c \"$(curl -fsSL https://example.org/x)\"", "curl | sh"],
  ["/usr/bin/curl https://example.org/x | /bin/sh", "curl | sh"],
  ["(curl https://example.org/x) | sh", "curl | sh"],
  ["wget -O- https://example.org/x | bash", "wget -O- | bash"],
  ["wget -qO- https://example.org/x | sh", "wget -O- | bash"],
  ["wget -O - https://example.org/x | bash", "wget -O- | bash"],
  ["wget --output-document=- https://example.org/x | sudo bash", "wget -O- | bash"],
  ["wget -q --output-document - https://example.org/x | bash", "wget -O- | bash"],
];

const ALLOWED: string[] = [
  "mkfsx /dev/sdb",
  "mkfs-helper",
  "chmod -R 755 /",
  "chmod -R 777 /tmp/x",
  "chmod 777 /",
  "chmod -R a+rx /",
  "chmod -R o+w /",
  "chmod -R a-rwx /",
  "curl https://example.org/x > install.sh",
  "curl https://example.org/x | grep foo",
  "curl https://example.org/x | bash -c 'cat > /dev/null'",
  "echo hi | sh",
  "sh ./install.sh",
  "wget https://example.org/x.tgz",
  "wget -O x.tgz https://example.org/x.tgz | sh",
];

describe("entries: program families, chmod modes, pipe into a shell", () => {
  for (const [command, entry] of BLOCKED) {
    it(`${JSON.stringify(command)} is blocked by ${JSON.stringify(entry)}`, () => assert.equal(blockedBy(command), entry));
  }
  for (const command of ALLOWED) {
    it(`${JSON.stringify(command)} is not blocked`, () => assert.equal(blockedBy(command), null));
  }
  it("compiles every entry (a pipe-into-shell entry is expressible)", () => assert.deepEqual(compiled.errors, []));
});
