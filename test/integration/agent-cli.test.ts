/** The CLI's agent commands (agent, chat, sessions, models) against a running gateway and the model stand-in. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";
import { startAgentGateway, type AgentGateway } from "../helpers/agents.js";

let standIn: StandIn;
let g: AgentGateway;
before(async () => {
  standIn = await startModelStandIn();
  g = await startAgentGateway(standIn);
});
after(async () => {
  await g.t.close();
  await standIn.close();
});
const env = () => ({ PATH: process.env.PATH, HOME: g.t.stateDir, CLAWDBOT_STATE_DIR: g.t.stateDir });
const flags = () => ["--url", g.t.httpUrl, "--token", g.tokens.alice];

describe("CLI agent commands", () => {
  test("agent -m streams the reply to stdout and tool calls to stderr; --json prints one object", async () => {
    standIn.enqueue({ toolCalls: [{ name: "glob", args: { pattern: "*.md" } }] }, { text: "All clear." });
    const r = await runCli(["agent", "-m", "check", "--session", "cli", ...flags()], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "All clear.\n");
    assert.match(r.stderr, /\[tool\] glob .*\*\.md/);
    assert.match(r.stderr, /\[tool\] glob ok/);
    standIn.enqueue({ text: "json reply" });
    const j = await runCli(["agent", "--message", "again", "--session", "cli", "--json", ...flags()], env());
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout);
    assert.equal(out.status, "ok");
    assert.equal(out.text, "json reply");
    assert.equal(out.stopReason, "end_turn");
  });

  test("a failed run exits non-zero with the reason on stderr", async () => {
    standIn.enqueue({ status: 400 });
    const r = await runCli(["agent", "-m", "x", "--agent", "local", ...flags()], env());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /run failed: model provider error/);
    assert.ok(!r.stderr.includes(g.keys.local));
  });

  test("sessions list / history / reset and models list", async () => {
    const list = await runCli(["sessions", "list", ...flags()], env());
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /agent:main:cli\s+\S+\s+anthropic\/claude-test/);
    const hist = await runCli(["sessions", "history", "cli", ...flags()], env());
    assert.match(hist.stdout, /user: check/);
    assert.match(hist.stdout, /assistant: \[calls glob/);
    assert.match(hist.stdout, /tool glob: /);
    assert.match(hist.stdout, /assistant: json reply/);
    const reset = await runCli(["sessions", "reset", "agent:main:cli", ...flags()], env());
    assert.equal(reset.stdout, "reset agent:main:cli\n");
    const after = await runCli(["sessions", "history", "cli", "--json", ...flags()], env());
    assert.equal(after.stdout, "");
    const models = await runCli(["models", "list", ...flags()], env());
    assert.match(models.stdout, /anthropic\/claude-test\s+anthropic\s+claude-test/);
    assert.match(models.stdout, /local\/qwen-test/);
    const help = await runCli(["sessions", "--help"], env());
    assert.match(help.stdout, /^Usage: clawdbot sessions list/);
  });

  test("chat: each line is a turn of one session", async () => {
    standIn.enqueue({ text: "first answer" }, { text: "second answer" });
    const r = await runCli(["chat", "--session", "interactive", ...flags()], env(), "hello\nand then?\n/exit\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "first answer\nsecond answer\n");
    assert.deepEqual(standIn.requests.at(-1)!.body.messages.map((m: any) => m.role), ["user", "assistant", "user"]);
  });
});
