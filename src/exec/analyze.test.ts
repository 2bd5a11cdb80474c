import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeCommand } from "./analyze.js";

const opts = { cwd: "/w", pathExists: () => false };

function only(command: string) {
  const a = analyzeCommand(command, opts);
  assert.equal(a.ok, true, a.parseError);
  return a;
}

describe("analyzeCommand: structure", () => {
  const cases: { cmd: string; argv: string[][]; programs?: string[]; wrappers?: string[][]; cwds?: string[] }[] = [
    { cmd: "ls -la", argv: [["ls", "-la"]] },
    { cmd: "\\rm 'a b' \"c\"", argv: [["rm", "a b", "c"]] },
    { cmd: "echo a{b,c}d", argv: [["echo", "abd", "acd"]] },
    { cmd: "echo {1..3}", argv: [["echo", "1", "2", "3"]] },
    { cmd: "echo $'a\\tb'", argv: [["echo", "a\tb"]] },
    { cmd: "a && b || c; d | e & f", argv: [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]] },
    { cmd: "sudo -u root env A=1 nice -n 2 rm x", argv: [["rm", "x"]], wrappers: [["sudo", "env", "nice"]] },
    { cmd: "sudo -i", argv: [["sudo", "-i"]], programs: ["sudo"], wrappers: [[]] },
    { cmd: "/usr/bin/env ls", argv: [["ls"]], programs: ["ls"], wrappers: [["env"]] },
    { cmd: "cd /tmp && ls; cd ..; pwd", argv: [["cd", "/tmp"], ["ls"], ["cd", ".."], ["pwd"]], cwds: ["/w", "/tmp", "/tmp", "/"] },
    { cmd: "(cd /tmp); pwd", argv: [["cd", "/tmp"], ["pwd"]], cwds: ["/w", "/w"] },
    { cmd: "sudo -D /srv ls", argv: [["ls"]], cwds: ["/srv"] },
    { cmd: "find . -exec grep -l x {} +", argv: [["find", ".", "-exec", "grep", "-l", "x", "{}", "+"], ["grep", "-l", "x", "{}"]], wrappers: [[], ["find"]] },
    { cmd: "sh -c 'a; b'", argv: [["a"], ["b"]], wrappers: [["sh"], ["sh"]] },
    { cmd: "xargs -n1 echo", argv: [["echo", "<stdin>"]], wrappers: [["xargs"]] },
  ];
  for (const c of cases) {
    it(c.cmd, () => {
      const a = only(c.cmd);
      assert.deepEqual(
        a.commands.map((x) => x.argv),
        c.argv,
      );
      if (c.programs) assert.deepEqual(a.commands.map((x) => x.program), c.programs);
      if (c.wrappers) assert.deepEqual(a.commands.map((x) => x.wrappers), c.wrappers);
      if (c.cwds) assert.deepEqual(a.commands.map((x) => x.cwd), c.cwds);
    });
  }

  it("reports redirects with operator, fd and static target", () => {
    const a = only("cmd 2>err.log >\"out\" < in >> $LOG");
    assert.deepEqual(a.commands[0]?.redirects, [
      { op: ">", fd: "2", target: "err.log" },
      { op: ">", target: "out" },
      { op: "<", target: "in" },
      { op: ">>", target: null },
    ]);
  });

  it("marks dynamic words and an unknown cwd", () => {
    const a = only("cd $X && ls \"$Y\"");
    const ls = a.commands[1];
    assert.equal(ls?.dynamic, true);
    assert.equal(ls?.cwdKnown, false);
  });

  it("a conditional cd leaves the cwd unknown", () => {
    const a = only("if x; then cd /tmp; fi; rm -rf .");
    assert.equal(a.commands.at(-1)?.cwdKnown, false);
  });
});

describe("analyzeCommand: unanalyzable and errors", () => {
  const unanalyzable = ["$X", "$(echo rm) x", "`echo rm`", "r* x", "eval $X", "sh -c \"$X\"", "source f", ". f", "sh", "bash x.sh", "sh -c 'rm (' "];
  for (const cmd of unanalyzable) {
    it(`unanalyzable: ${cmd}`, () => {
      const a = only(cmd);
      assert.ok(a.unanalyzable.length > 0);
      assert.deepEqual(a.classes, ["elevated", "destructive"]);
    });
  }

  it("bounds nested sh -c depth", () => {
    let cmd = "ls";
    for (let i = 0; i < 9; i++) cmd = `sh -c ${"'" + cmd.replace(/'/g, "'\\''") + "'"}`;
    const a = analyzeCommand(cmd, { ...opts, maxDepth: 8 });
    assert.equal(a.ok, true);
    assert.match(a.unanalyzable[0]?.why ?? "", /deeper than 8/);
  });

  for (const bad of ["echo 'unterminated", "a &&", "if true; then", "(", "echo $(", "fi"]) {
    it(`parse error: ${JSON.stringify(bad)}`, () => {
      const a = analyzeCommand(bad, opts);
      assert.equal(a.ok, false);
      assert.ok((a.parseError ?? "").length > 0);
      assert.deepEqual(a.commands, []);
    });
  }

  it("records functions and whether they fork themselves", () => {
    assert.deepEqual(only("f(){ f | f & }; g(){ g; }").functions, [
      { name: "f", forksItself: true },
      { name: "g", forksItself: false },
    ]);
  });
});

describe("analyzeCommand: size bound", () => {
  it("refuses a command line longer than maxBytes", () => {
    const a = analyzeCommand(`echo ${"a".repeat(100)}`, { ...opts, maxBytes: 50 });
    assert.equal(a.ok, false);
    assert.match(a.parseError ?? "", /longer than 50 bytes/);
  });

  it("analyses a large heredoc within the default bound", () => {
    const a = analyzeCommand(`cat > out <<'EOF'\n${"line $x\n".repeat(2000)}EOF\n`, opts);
    assert.equal(a.ok, true);
    assert.deepEqual(a.commands.map((c) => c.program), ["cat"]);
  });
});
