/**
 * Issue 9 items 3–5: commands hidden in shell features the walk does not
 * read are unanalyzable (or analysed); non-static program words match every
 * entry they could spell; paths through /proc, /dev/fd, CDPATH and symbolic
 * links resolve to what they are.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeCommand } from "./analyze.js";
import { compileBlocklist, matchBlocklist } from "./blocklist.js";

const CWD = "/home/agent/work";
const LINKS: Record<string, string> = {
  "/home/agent/work/root": "/",
  "/home/agent/work/lib": "/usr/lib",
  "/home/agent/work/myrm": "/bin/rm",
  "/usr/local/bin/x": "/bin/rm",
};
const opts = { cwd: CWD, pathExists: (p: string) => p === "/etc/passwd", readLink: (p: string) => LINKS[p] ?? null };
const guide = compileBlocklist(["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero", "rm -rf /usr"]);

function analyze(command: string) {
  const a = analyzeCommand(command, opts);
  assert.equal(a.ok, true, `${command}: ${a.parseError ?? ""}`);
  return a;
}

/** [command, a word of the reason] — each must be unanalyzable: both classes. */
const UNANALYZABLE: [string, string][] = [
  ["trap \"$X\" EXIT", "trap"],
  ["shopt -s expand_aliases; alias ls='rm -rf /'; ls", "alias"],
  ["alias ll=\"$CMD\"", "alias"],
  ["hash -p /bin/rm x; x -rf /tmp/y", "hash -p"],
  ["PS4='$(touch /tmp/p)'; set -x; true", "PS4"],
  ["export PS4='$(id)'", "PS4"],
  ["declare PS4='$(id)'", "PS4"],
  ["read PS4 < f; set -x", "PS4"],
  ["printf -v PS4 '%s' '$(id)'", "PS4"],
  ["x='a[$(touch /tmp/p)]'; : $((x))", "arithmetic"],
  ["x=$(cat f); echo $(( x + 1 ))", "arithmetic"],
  ["read n; (( n > 1 ))", "arithmetic"],
  ["read n; let n+1", "let"],
  ["let 'y=a[$(touch /tmp/p)]'", "let"],
  ["read n; for ((i=0; i<n; i++)); do :; done", "for ((…))"],
  ["read x; [[ $x -eq 1 ]]", "-eq"],
  ["read x; [[ x -lt 2 ]]", "-eq"],
  ["declare -i y; y=$(cat f)", "integer attribute"],
  ["typeset -i y; read y", "integer attribute"],
  ["builtin declare -i y; y=$(cat f)", "integer attribute"],
  ["builtin declare -n r=PS4", "PS4"],
  ["shopt -so keyword", "keyword"],
  ["read k; a[$k]=1", "a[…]="],
  ["read k; echo ${a[$k]}", "${a[…]}"],
  ["read k; echo ${s:k}", "${s:…}"],
  ["echo $(( $(cat f) ))", "output of a command"],
  ["x=$1; echo $((x))", "arithmetic"],
  ["echo $(($1 + 1))", "arithmetic"],
  ["echo ok; echo $((_))", "arithmetic"],
  ["printf -v \"$n\" x", "not static"],
  ["printf -v 'a[$(touch /tmp/p)]' x", "expansion"],
  ["read \"$n\" < f", "not static"],
  ["declare \"$n=1\"", "not static"],
  ["local \"$n\"", "not static"],
  ["test -v \"$x\"", "not static"],
  ["[[ -v $x ]]", "not static"],
  ["read x; echo ${!x}", "${!x}"],
  ["declare -n r=PS4; r='$(id)'", "PS4"],
  ["echo \"${x@P}\"", "@P"],
  ["mapfile -C 'rm -rf /' -c 1 arr < f", "mapfile -C"],
  ["readarray -C cb arr < f", "readarray -C"],
  ["BASH_ENV=./evil bash -c true", "BASH_ENV"],
  ["env BASH_ENV=./evil bash -c true", "BASH_ENV"],
  ["ENV=./evil sh -i", "ENV"],
  ["env 'BASH_FUNC_ls%%=() { rm -rf /; }' bash -c ls", "BASH_FUNC"],
  ["PROMPT_COMMAND='rm -rf /' bash -c true", "PROMPT_COMMAND"],
  ["SHELLOPTS=xtrace bash -c true", "SHELLOPTS"],
  ["LD_PRELOAD=./x.so ls", "LD_PRELOAD"],
  ["sudo LD_PRELOAD=./x.so ls", "LD_PRELOAD"],
  ["GIT_SSH_COMMAND='touch /tmp/p' git fetch", "GIT_SSH_COMMAND"],
  ["PAGER='sh -c id' git log", "PAGER"],
  ["export PATH=/tmp/evil:$PATH; ls", "PATH"],
  ["PATH=.:$PATH ls", "PATH"],
  ["complete -C 'rm -rf /' x", "complete -C"],
  ["compgen -C 'rm -rf /' x", "compgen -C"],
  ["enable -f ./evil.so evil", "enable"],
  ["enable -n echo", "enable"],
  ["bind -x '\"\\C-x\": rm -rf /'", "bind -x"],
  ["fc -s", "fc"],
  ["shopt -s lastpipe; echo / | read d", "lastpipe"],
  ["set -k; sh -c true BASH_ENV=./f", "set -k"],
  ["set -o physical", "physical"],
  ["set $OPTS", "not static"],
  ["source ./env.sh", "source"],
  [". ./env.sh", "runs the commands of a file"],
  ["./build.sh", "program file by path"],
  ["node_modules/.bin/tsc -p .", "program file by path"],
  ["/opt/tool/bin/run", "program file by path"],
  ["./myrm -rf /tmp/x", "program file by path"],
  ["rm${IFS}-rf${IFS}/tmp/x", "not a static literal"],
  ["$CMD", "not a static literal"],
  ["bash <<EOF\nrm -rf $X\nEOF", "reads commands from stdin"],
  ["bash < script.sh", "reads commands from stdin"],
];

/** Commands that must stay analysable (no unanalyzable reason). */
const ANALYSABLE: string[] = [
  "trap - EXIT",
  "trap '' INT",
  "trap -p",
  "trap 'echo done' EXIT",
  "alias",
  "hash",
  "hash -r",
  "enable",
  "shopt -s nullglob globstar extglob",
  "shopt -s cdable_vars",
  "shopt -so pipefail",
  "builtin declare -A m; read k; m[$k]=1",
  "set -euo pipefail",
  "set -x",
  "set -- a b",
  "for ((i=0; i<10; i++)); do echo $i; done",
  "n=5; echo $((n * 2))",
  "x=$((3 + 4)); echo $((x))",
  "read -r line < f; echo \"$line\"",
  "declare -A m; while read -r k; do m[$k]=1; done < f",
  "echo ${#x} ${x:-d} ${x/a/b}",
  "echo ${!prefix@} ${!arr[@]}",
  "export PATH=$PATH:/opt/go/bin",
  "export PATH=\"${PATH}:$HOME/.local/bin\"",
  "PATH=/usr/bin:/bin ls",
  "GIT_AUTHOR_NAME=x git commit -m y",
  "NODE_ENV=production npm run build",
  "env CI=1 npm test",
  "a=(1 2 3); echo ${a[1]}",
  "[[ $# -eq 0 ]]",
  "printf -v out '%s' hi",
  "test -v HOME",
  "/usr/bin/ls -la",
  "/bin/echo hi",
  "x(){ echo hi; }; x",
  "bash <<'EOF'\necho hi\nEOF",
  "sh <<< 'ls -la'",
];

describe("hidden commands are unanalyzable (both classes)", () => {
  for (const [command, word] of UNANALYZABLE) {
    it(JSON.stringify(command), () => {
      const a = analyze(command);
      assert.deepEqual(a.classes, ["elevated", "destructive"], JSON.stringify(a.reasons));
      assert.ok(
        a.unanalyzable.some((u) => u.why.includes(word)),
        `expected a reason mentioning ${JSON.stringify(word)}: ${JSON.stringify(a.unanalyzable)}`,
      );
    });
  }
});

describe("ordinary shell stays analysable", () => {
  for (const command of ANALYSABLE) {
    it(JSON.stringify(command), () => assert.deepEqual(analyze(command).unanalyzable, []));
  }
});

/** [command, entry of the guide-style list that must block it] */
const BLOCKED: [string, string][] = [
  // trap actions are analysed, with an unknown cwd (they may run at any time).
  ["trap 'rm -rf /' EXIT", "rm -rf /"],
  ["trap 'cd /' DEBUG; rm -rf .", "rm -rf /"],
  ["trap -- 'rm -rf /' ERR", "rm -rf /"],
  // a shell reading a static here-document or here-string: the script is analysed.
  ["bash <<< 'rm -rf /'", "rm -rf /"],
  ["sh <<'EOF'\nrm -rf /\nEOF", "rm -rf /"],
  ["sudo bash -s <<EOF\ncd / && rm -rf .\nEOF", "rm -rf /"],
  // a function runs wherever it is called; calling one makes the cwd unknown.
  ["f(){ cd /; }; f; rm -rf .", "rm -rf /"],
  ["f(){ rm -rf .; }; cd /; f", "rm -rf /"],
  ["cd(){ builtin cd /; }; cd /tmp && rm -rf .", "rm -rf /"],
  ["command_not_found_handle(){ rm -rf \"$1\"; }; nope /", "rm -rf /"],
  // item 4: program words that are not static.
  ["rm${IFS}-rf${IFS}/*", "rm -rf /"],
  ["r''m -rf /", "rm -rf /"],
  ["$'\\x72m' -rf /", "rm -rf /"],
  ["${x:-rm} -rf /", "rm -rf /"],
  ["\"$(echo rm)\" -rf /", "rm -rf /"],
  ["{rm,-rf,/}", "rm -rf /"],
  ["/bin/r? -rf /", "rm -rf /"],
  ["[r]m -rf /", "rm -rf /"],
  ["/???/rm -rf /", "rm -rf /"],
  ["$CMD", "rm -rf /"],
  ["$R$M -rf /", "rm -rf /"],
  // item 5: CDPATH, cdable_vars, pushd, cd -, /proc, /dev/fd, symbolic links.
  ["CDPATH=/ cd usr && rm -rf ../*", "rm -rf /"],
  ["export CDPATH=/; cd usr; rm -rf ..", "rm -rf /"],
  ["shopt -s cdable_vars; r=/; cd r && rm -rf .", "rm -rf /"],
  ["pushd / && rm -rf .", "rm -rf /"],
  ["pushd /tmp; pushd +1; rm -rf .", "rm -rf /"],
  ["cd /tmp; cd -; rm -rf .", "rm -rf /"],
  ["rm -rf /proc/self/root/", "rm -rf /"],
  ["rm -rf /proc/self/root/*", "rm -rf /"],
  ["rm -rf /proc/1/root/", "rm -rf /"],
  ["rm -rf /proc/thread-self/root/etc/..", "rm -rf /"],
  ["rm -rf /proc/self/task/7/root/", "rm -rf /"],
  ["cd /proc/self/root && rm -rf .", "rm -rf /"],
  ["rm -rf /proc/self/cwd/../../..", "rm -rf /"],
  ["rm -rf /proc/1/cwd/", "rm -rf /"],
  ["rm -rf /dev/fd/3/", "rm -rf /"],
  ["rm -rf /proc/self/fd/3/*", "rm -rf /"],
  ["/proc/self/exe -c 'rm -rf /'", "rm -rf /"],
  ["sudo /proc/self/exe -c 'rm -rf /'", "rm -rf /"],
  ["/proc/self/root/bin/rm -rf /", "rm -rf /"],
  ["rm -rf root/", "rm -rf /"],
  ["rm -rf root/*", "rm -rf /"],
  ["rm -rf lib/..", "rm -rf /usr"],
  ["cd lib && rm -rf ..", "rm -rf /usr"],
  ["./myrm -rf /", "rm -rf /"],
  ["x -rf /", "rm -rf /"],
];

describe("hidden and indirect spellings are blocked", () => {
  for (const [command, entry] of BLOCKED) {
    it(JSON.stringify(command), () => assert.equal(matchBlocklist(guide, analyze(command))?.entry ?? null, entry));
  }
});

describe("links and resolution do not over-block", () => {
  for (const command of ["rm -rf lib/x", "cd lib && rm -rf x", "rm -rf /proc/self/cwd/build", "ls /proc/self/root/", "echo hi > /dev/stdout", "\"$CMD\" -la", "trap 'rm -f /tmp/lock' EXIT"]) {
    it(JSON.stringify(command), () => assert.equal(matchBlocklist(guide, analyze(command))?.entry ?? null, null));
  }
});

describe("the program a link leads to is classified", () => {
  it("`x` in a system bin directory linked to rm is destructive", () => {
    const a = analyze("x /tmp/y");
    assert.deepEqual(a.classes, ["destructive"]);
  });
});
