import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeCommand } from "./analyze.js";
import { compileBlocklist, matchBlocklist } from "./blocklist.js";

const opts = { cwd: "/home/u", pathExists: () => false };
const match = (entries: string[], cmd: string) => matchBlocklist(compileBlocklist(entries), analyzeCommand(cmd, opts));

describe("compileBlocklist", () => {
  it("compiles the guide's entries without errors", () => {
    const c = compileBlocklist(["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero"]);
    assert.deepEqual(c.errors, []);
    assert.deepEqual(
      c.entries.map((e) => e.kind),
      ["commands", "fork-bomb", "commands"],
    );
  });

  it("reports unparseable, empty and non-static entries by index", () => {
    const c = compileBlocklist(["ls", "rm -rf (", "   ", "$X -rf /", "echo 'x"]);
    assert.deepEqual(
      c.errors.map((e) => e.index),
      [1, 2, 3, 4],
    );
    assert.match(c.errors[0]?.message ?? "", /does not parse/);
    assert.equal(c.entries.length, 1);
  });
});

describe("matchBlocklist", () => {
  const cases: [string[], string, string | null][] = [
    [["git push --force"], "git push -f origin main", "git push --force"],
    [["git push --force"], "git push origin main", null],
    [["sudo rm"], "sudo rm x", "sudo rm"],
    [["sudo rm"], "rm x", null],
    [["shutdown"], "sudo /sbin/shutdown -h now", "shutdown"],
    [["rm -rf /etc"], "cd /etc/.. && rm -rf etc", "rm -rf /etc"],
    [["rm -rf /etc"], "rm -rf /e*c", "rm -rf /etc"],
    [["rm -rf /*"], "rm -rf /usr", "rm -rf /*"],
    [["rm -rf build"], "rm -rf /home/u/build", "rm -rf build"],
    [["rm -rf build"], "cd /tmp && rm -rf build", "rm -rf build"],
    [["> /dev/sda"], "echo x > /dev/sda", "> /dev/sda"],
    [["> /dev/sda"], "echo x >> /dev/sda", null],
    [["curl | sh"], "curl x | sh", "curl | sh"],
    [["chmod -R 777 /"], "chmod 777 -R //", "chmod -R 777 /"],
    [["mkfs.ext4"], "sudo mkfs.ext4 /dev/sdb1", "mkfs.ext4"],
    [["dd if=/dev/zero"], "dd if=/dev/urandom", null],
    [["dd if=/dev/zero", "rm -rf /"], "rm -rf /", "rm -rf /"],
  ];
  for (const [entries, cmd, expected] of cases) {
    it(`${JSON.stringify(entries)} vs ${JSON.stringify(cmd)}`, () => {
      assert.equal(match(entries, cmd)?.entry ?? null, expected);
    });
  }

  it("returns the matching command", () => {
    const m = match(["rm -rf /"], "ls && sudo rm -rf /");
    assert.equal(m?.command?.program, "rm");
    assert.deepEqual(m?.command?.wrappers, ["sudo"]);
  });

  it("a fork-bomb match has no single command", () => {
    const m = match([":(){ :|:& };:"], "b(){ b|b& };b");
    assert.deepEqual(m, { entry: ":(){ :|:& };:", command: null });
  });

  it("accepts the entries array as well as the compile result", () => {
    const c = compileBlocklist(["rm -rf /"]);
    assert.ok(matchBlocklist(c.entries, analyzeCommand("rm -rf /", opts)));
  });
});
