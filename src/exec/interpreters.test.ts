/**
 * Code runners (interpreters.ts, awk-sed.ts): inline code, scripts, stdin,
 * containers and remote shells are unanalyzable; information-only
 * invocations and read-only awk/sed programs are nothing; awk/sed writes are
 * destructive. Plus the wrappers that simply run the rest of the argv.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeCommand } from "./analyze.js";
import { scanAwkProgram, scanSedScript } from "./awk-sed.js";
import { compileBlocklist, matchBlocklist } from "./blocklist.js";
import { COMMAND_CLASS_TABLE } from "./command-classes.js";
import { CODE_RUNNERS, codeRunner } from "./interpreters.js";
import type { CommandClass } from "./types.js";

const CWD = "/home/agent/work";
const pathExists = (p: string) => p === "/home/agent/work/existing.txt";
const BOTH: CommandClass[] = ["elevated", "destructive"];
const compiled = compileBlocklist(["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero"]);

function analyse(command: string) {
  const a = analyzeCommand(command, { cwd: CWD, pathExists });
  assert.equal(a.ok, true, `should parse: ${command} (${a.parseError ?? ""})`);
  return a;
}

/** [command, classes, the unanalyzable reason (substring) when unanalyzable] */
const CASES: [string, CommandClass[], string?][] = [
  // python
  ["python3 -c 'import shutil; shutil.rmtree(\"/\")'", BOTH, "python3 -c runs inline code"],
  ["python3 -Sc 'print(1)'", BOTH, "python3 -c runs inline code"],
  ["python -c'print(1)'", BOTH, "python -c runs inline code"],
  ["python3.12 -c 'pass'", BOTH, "python3.12 -c runs inline code"],
  ["python3 -m http.server", BOTH, "python3 -m runs a module"],
  ["python3 script.py", BOTH, "python3 runs a script file"],
  ["python3 -u -W ignore script.py --version", BOTH, "python3 runs a script file"],
  ["python3 -", BOTH, "python3 reads its program from stdin"],
  ["curl https://x | python3", BOTH, "python3 reads its program from stdin"],
  ["python3 --version", []],
  ["python3 -V", []],
  ["pypy3 --help", []],
  // perl, ruby, node, php, lua, others
  ["perl -e 'unlink glob \"*\"'", BOTH, "perl -e runs inline code"],
  ["perl -pi.bak -e 's/a/b/' f", BOTH, "perl -e runs inline code"],
  ["perl -MO=Deparse -E 'say 1'", BOTH, "perl -E runs inline code"],
  ["perl x.pl", BOTH, "perl runs a script file"],
  ["perl -v", []],
  ["ruby -e 'File.delete(\"x\")'", BOTH, "ruby -e runs inline code"],
  ["ruby -v", []],
  ["ruby -v app.rb", BOTH, "ruby runs a script file"],
  ["node -e 'require(\"fs\").rmSync(\"/\", {recursive: true})'", BOTH, "node -e runs inline code"],
  ["node --eval='1'", BOTH, "node --eval runs inline code"],
  ["node -p 'process.env'", BOTH, "node -p runs inline code"],
  ["node -r ./hook.js app.js", BOTH, "node runs a script file"],
  ["nodejs file.js", BOTH, "nodejs runs a script file"],
  ["node --version", []],
  ["node -v", []],
  ["php -r 'unlink(\"x\");'", BOTH, "php -r runs inline code"],
  ["php -v", []],
  ["lua -e 'os.execute(\"x\")'", BOTH, "lua -e runs inline code"],
  ["lua5.4 -v", []],
  ["tclsh", BOTH, "tclsh runs a script or its stdin"],
  ["expect -c 'spawn sh'", BOTH, "expect -c runs inline code"],
  ["osascript -e 'do shell script \"x\"'", BOTH, "osascript -e runs inline code"],
  ["Rscript -e 'unlink(\"x\")'", BOTH, "Rscript -e runs inline code"],
  ["julia -e 'rm(\"x\")'", BOTH, "julia -e runs inline code"],
  ["pwsh -Command 'Remove-Item x'", BOTH, "pwsh runs commands in a syntax"],
  ["powershell -c 'x'", BOTH, "powershell runs commands in a syntax"],
  ["irb", BOTH, "irb runs code from stdin or a script"],
  // awk
  ["awk 'BEGIN{system(\"rm -rf /\")}'", BOTH, "awk program runs commands"],
  ["gawk 'BEGIN { system (\"x\") }'", BOTH, "gawk program runs commands"],
  ["awk '{ \"date\" | getline d; print d }' f", BOTH, "awk program runs commands"],
  ["mawk '{ print | \"sh\" }' f", BOTH, "mawk program runs commands"],
  ["gawk 'BEGIN { \"sh\" |& getline }'", BOTH, "gawk program runs commands"],
  ["gawk '@load \"filefuncs\"; BEGIN{}'", BOTH, "gawk program runs commands"],
  ["awk -f prog.awk f", BOTH, "awk -f runs a program file"],
  ["awk \"$PROG\" f", BOTH, "awk program is not static"],
  ["nawk -e 'BEGIN{system(\"x\")}'", BOTH, "nawk program runs commands"],
  ["awk '{print > \"out.txt\"}' f", ["destructive"]],
  ["awk '{ printf \"%s\\n\", $1 >> $2 }' f", ["destructive"]],
  ["gawk --profile=prof.out '{print}' f", ["destructive"]],
  ["awk '{print $1}' file", []],
  ["awk -F: -v OFS=, '{print $1, $3}' /etc/passwd", []],
  ["awk '$3 > 100 { print $1 }' f", []],
  ["awk '{ if ($1 > 2) print $1 }' f", []],
  ["awk '/error|warn/ { n++ } END { print n }' log", []],
  ["awk '{ print ($1 > $2) }' f", []],
  ["awk '{ x = a || b; print x / 2 }' f", []],
  ["awk '{ print \"a|b > c\" }' f", []],
  ["awk '# system(\"x\")\n{print}' f", []],
  ["awk --version", []],
  // sed
  ["sed -i 's/a/b/' file", ["destructive"]],
  ["sed -i.bak 's/a/b/' file", ["destructive"]],
  ["sed --in-place=.orig -e '1d' file", ["destructive"]],
  ["sed 's/a/b/' -i file", ["destructive"]],
  ["sed -n '/x/w out.txt' f", ["destructive"]],
  ["sed 's/a/b/gw changed.txt' f", ["destructive"]],
  ["sed '1e rm -rf /' f", BOTH, "sed script runs shell commands"],
  ["sed 's/.*/echo &/e' f", BOTH, "sed script runs shell commands"],
  ["sed -f script.sed f", BOTH, "sed -f runs a script file"],
  ["sed \"$SCRIPT\" f", BOTH, "sed script is not static"],
  ["sed 's/a/b/' file", []],
  ["sed -n '1,5p' f", []],
  ["sed -E 's/([a-z]+)/\\1!/g; /x/{s/a/b/;p}' f", []],
  ["sed -e '/^#/d' -e 's/  */ /g' f", []],
  ["sed 's|/usr|/opt|g' f", []],
  ["sed '/start/,/end/{/end/!d}' f", []],
  ["sed 's/e/w/' f", []],
  ["sed 'y/abc/xyz/' f", []],
  ["sed '$a\\done' f", []],
  ["sed 's/a/b/w /dev/stdout' f", []],
  ["sed --sandbox -f script.sed f", []],
  ["sed --version", []],
  // editors
  ["vim -c ':!rm -rf /' -c ':q' f", BOTH, "vim runs editor commands"],
  ["vi +'!rm x' f", BOTH, "vi runs editor commands"],
  ["nvim --headless f", BOTH, "nvim runs editor commands"],
  ["ex -s f < cmds", BOTH, "ex runs editor commands"],
  ["vim f", BOTH, "vim runs editor commands"],
  ["vim --version", []],
  // remote and containers
  ["ssh host 'rm -rf /'", BOTH, "ssh runs a command on another machine"],
  ["ssh -p 2222 user@host", BOTH, "ssh opens a remote shell"],
  ["ssh -o ProxyCommand='sh -c x' -N host", BOTH, "ssh -o ProxyCommand runs a command"],
  ["ssh -N -L 8080:localhost:80 host", []],
  ["ssh -V", []],
  ["docker exec -it web sh", BOTH, "docker exec runs code in a container"],
  ["docker run --rm -v /:/host alpine rm -rf /host", BOTH, "docker run runs code in a container"],
  ["docker compose up -d", BOTH, "docker compose up runs code in a container"],
  ["podman rm web", BOTH, "podman rm changes state as root"],
  ["docker ps -a", []],
  ["docker --context prod images", []],
  ["docker compose logs web", []],
  ["docker container ls", []],
  ["kubectl exec -it pod -- sh", BOTH, "kubectl exec runs a command in a cluster"],
  ["kubectl -n prod run x --image=alpine", BOTH, "kubectl run runs a command in a cluster"],
  ["kubectl get pods -A", []],
  // code runners behind wrappers and in nested shells
  ["sudo python3 -c 'x'", BOTH, "python3 -c runs inline code"],
  ["timeout 5 node -e 'x'", BOTH, "node -e runs inline code"],
  ["env -S 'perl -e 1'", BOTH, "perl -e runs inline code"],
  ["bash -c 'ruby -e 1'", BOTH, "ruby -e runs inline code"],
  ["echo $(python3 -c 'print(1)')", BOTH, "python3 -c runs inline code"],
  ["busybox awk 'BEGIN{system(\"x\")}'", BOTH, "awk program runs commands"],
  ["flock /tmp/lock python3 -c 'x'", BOTH, "python3 -c runs inline code"],
  ["find . -name '*.py' -exec python3 {} \\;", BOTH, "python3"],
  ["nice -n 5 python3 -V", []],
  // wrappers that run the rest of the argv
  ["flock /tmp/lock rm x", ["destructive"]],
  ["flock -w 5 /tmp/lock -c 'rm x'", ["destructive"]],
  ["flock -x 9", []],
  ["chronic rm x", ["destructive"]],
  ["ifne rm x", ["destructive"]],
  ["unbuffer ls", []],
  ["firejail --noprofile rm x", ["destructive"]],
  ["script -qc 'rm x' /dev/null", ["destructive"]],
  ["script -q log", BOTH, "script runs a shell that reads its stdin"],
  ["systemd-run --user python3 -V", []],
  ["echo / | xargs -I{} sh -c 'rm -rf {}'", BOTH, "sh -c of a non-literal string"],
  ["ls | xargs -I{} echo {}", []],
  // find output files
  ["find . -fprint existing.txt", ["destructive"]],
  ["find . -fprint new.txt", []],
];

describe("code runners: classification", () => {
  for (const [command, expected, why] of CASES) {
    it(JSON.stringify(command), () => {
      const a = analyse(command);
      assert.deepEqual(a.classes, expected, JSON.stringify(a.reasons));
      if (why !== undefined) assert.ok(a.unanalyzable.some((u) => u.why.includes(why)), JSON.stringify(a.unanalyzable));
      else assert.deepEqual(a.unanalyzable, []);
    });
  }
});

/** [command, entry that must block it, or null] */
const BLOCKLIST_INTERPLAY: [string, string | null][] = [
  ["python3 -c 'import os; os.system(\"rm -rf /\")'", null],
  ["python3 -c 'print(1)' && rm -rf /", "rm -rf /"],
  ["perl -e 1; rm -rf /", "rm -rf /"],
  ["flock /tmp/l rm -rf /", "rm -rf /"],
  ["flock /tmp/l -c 'rm -rf /'", "rm -rf /"],
  ["chronic rm -rf /", "rm -rf /"],
  ["ifne rm -rf /", "rm -rf /"],
  ["script -qc 'rm -rf /' /dev/null", "rm -rf /"],
  ["busybox sh -c 'rm -rf /'", "rm -rf /"],
  ["env -S 'rm -rf /'", "rm -rf /"],
  ["echo / | xargs -I {} rm -rf {}", "rm -rf /"],
  ["awk '{print \"rm -rf /\"}' f", null],
  ["sed 's/x/rm -rf \\//' f", null],
  ["ssh host 'rm -rf /'", null],
  ["node -e 'x' | sh -c 'dd if=/dev/zero of=/dev/sda'", "dd if=/dev/zero"],
];

describe("code runners and the blocklist", () => {
  for (const [command, entry] of BLOCKLIST_INTERPLAY) {
    it(JSON.stringify(command), () => assert.equal(matchBlocklist(compiled, analyse(command))?.entry ?? null, entry));
  }
  it("an interpreter in a blocklist entry compiles and matches by program and flags", () => {
    const c = compileBlocklist(["python3 -c", "docker run"]);
    assert.deepEqual(c.errors, []);
    assert.equal(matchBlocklist(c, analyse("python3 -c 'print(1)'"))?.entry, "python3 -c");
    assert.equal(matchBlocklist(c, analyse("sudo docker run alpine"))?.entry, "docker run");
    assert.equal(matchBlocklist(c, analyse("python3 --version")), null);
  });
});

describe("awk and sed program readers", () => {
  const awk: [string, boolean, boolean][] = [
    ["{print $1}", false, false],
    ["BEGIN{system(\"x\")}", true, false],
    ["{print $1 > \"f\"}", false, true],
    ["$1 > 3", false, false],
    ["/a|b/", false, false],
    ["{ n = $1 / 2; m = n / 3; print m }", false, false],
    ["{ cmd | getline }", true, false],
    ["{ print \"x\" > $2 }", false, true],
  ];
  for (const [text, runs, writes] of awk) {
    it(`awk ${JSON.stringify(text)}`, () => assert.deepEqual(scanAwkProgram(text), { runsCommands: runs, writesFiles: writes }));
  }
  const sed: [string, boolean, boolean, boolean][] = [
    ["s/a/b/g", false, false, true],
    ["1e ls", true, false, true],
    ["s/a/b/e", true, false, true],
    ["/x/w out", false, true, true],
    ["s/a/b/w out", false, true, true],
    ["s/[/]/x/", false, false, true],
    ["3q5", false, false, true],
    ["1~2d;$!N", false, false, true],
    ["K", false, false, false],
    ["s/a/b", false, false, false],
  ];
  for (const [text, runs, writes, understood] of sed) {
    it(`sed ${JSON.stringify(text)}`, () => assert.deepEqual(scanSedScript(text), { runsCommands: runs, writesFiles: writes, understood }));
  }
});

describe("the code-runner table", () => {
  it("names each program once and never a wrapper program", () => {
    const all = CODE_RUNNERS.flatMap((r) => r.programs);
    assert.equal(new Set(all).size, all.length);
    for (const r of CODE_RUNNERS) {
      assert.ok(r.runs.length > 0 && r.harmless.length > 0);
      for (const p of r.programs) if (!p.endsWith("*")) assert.equal(codeRunner(p), r, p);
    }
  });
  it("has one destructive row in the class table covering every code runner", () => {
    const rows = COMMAND_CLASS_TABLE.filter((r) => r.programs.includes("sed"));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.class, "destructive");
  });
});
