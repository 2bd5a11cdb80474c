import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { runDoctor } from "../run-doctor.js";
import { byId, contextFor, okSandbox, one, tempStates } from "../doctor-fixture.js";
import { authCheck } from "./auth.js";
import { isLoopbackUrl, modelsCheck } from "./models.js";
import path from "node:path";
import { writeWithMode } from "../doctor-fixture.js";

describe("models check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const run = async (yaml: string, env: NodeJS.ProcessEnv = {}) => modelsCheck(await contextFor({ stateDir: await state(), yaml, env }));

  it("no models: one pass, agent runs off", async () => {
    const f = await run("{}\n");
    assert.deepEqual(f.map((x) => [x.id, x.status]), [["models.configured", "pass"]]);
  });

  it("the guide's ${ANTHROPIC_API_KEY} passes; the same key written literally fails without printing it", async () => {
    const key = `sk-ant-${crypto.randomBytes(24).toString("base64url")}`;
    const viaEnv = await run("models:\n  anthropic:\n    apiKey: ${ANTHROPIC_API_KEY}\nagents:\n  main:\n    model: anthropic/claude-x\n", {
      ANTHROPIC_API_KEY: key,
    });
    assert.equal(one(viaEnv, "models.literal-key", "models.anthropic.apiKey").status, "pass");
    assert.equal(one(viaEnv, "models.agent-provider", "agents.main.model").status, "pass");

    const literal = await run(`models:\n  anthropic:\n    apiKey: "${key}"\n`);
    const f = one(literal, "models.literal-key", "models.anthropic.apiKey");
    assert.equal(f.status, "fail");
    assert.match(f.fix ?? "", /\$\{ANTHROPIC_API_KEY\}/);
    assert.ok(!JSON.stringify(literal).includes(key));
  });

  it("a literal placeholder key for a loopback server is only a warning", async () => {
    const f = await run("models:\n  local:\n    api: openai-completions\n    baseUrl: http://127.0.0.1:11434/v1\n    apiKey: ollama\n");
    assert.equal(one(f, "models.literal-key").status, "warn");
    assert.equal(one(f, "models.base-url").status, "pass");
  });

  it("baseUrl over http:// to another host fails; https and loopback (v4, v6, localhost) pass", async () => {
    const cases: [string, string][] = [
      ["http://10.0.0.5:8000/v1", "fail"],
      ["http://gpu-box.lan:11434/v1", "fail"],
      ["http://127.0.0.1.nip.io/v1", "fail"],
      ["http://0.0.0.0:11434/v1", "fail"],
      ["HTTP://example.com/v1", "fail"],
      ["https://10.0.0.5:8000/v1", "pass"],
      ["http://127.0.0.2:8000/v1", "pass"],
      ["http://[::1]:8000/v1", "pass"],
      ["http://localhost:11434/v1", "pass"],
    ];
    for (const [url, status] of cases) {
      const f = await run(`models:\n  vllm:\n    api: openai-completions\n    baseUrl: "${url}"\n    apiKey: \${VLLM_KEY}\n`, { VLLM_KEY: "k" });
      const b = one(f, "models.base-url", "models.vllm.baseUrl");
      assert.equal(b.status, status, url);
      if (status === "fail") assert.match(b.fix ?? "", /https/);
    }
    assert.equal(isLoopbackUrl("not a url"), false);
  });

  it("a remote provider without a key is a warning; an agent without a model is a warning naming the providers", async () => {
    const f = await run("models:\n  openai: {}\nagents:\n  main: {}\n");
    assert.equal(one(f, "models.api-key", "models.openai.apiKey").status, "warn");
    const a = one(f, "models.agent-provider", "agents.main.model");
    assert.equal(a.status, "warn");
    assert.match(a.fix ?? "", /providers: openai/);
  });

  it("an agent whose provider (or fallback's provider) is missing: the config is invalid, and this check says which and how to fix", async () => {
    const f = await run(
      "models:\n  anthropic:\n    apiKey: ${K}\nagents:\n  main:\n    model: anthropci/claude-x\n    fallbacks: [anthropic/claude-y, local/qwen]\n",
      { K: "k" },
    );
    assert.deepEqual(
      byId(f, "models.agent-provider").map((x) => [x.subject, x.status]),
      [
        ["agents.main.model", "fail"],
        ["agents.main.fallbacks[1]", "fail"],
      ],
    );
    assert.match(one(f, "models.agent-provider", "agents.main.model").message, /"anthropci" is not configured/);
    assert.equal(one(f, "models.skipped").status, "warn");
  });

  it("auth leaves model keys to this check when it runs, and reports them itself otherwise", async () => {
    const d = await state();
    const yaml = 'models:\n  anthropic:\n    apiKey: "literal-model-key-value"\n';
    const both = await authCheck(await contextFor({ stateDir: d, yaml }));
    assert.ok(!both.some((x) => x.id === "auth.literal-secret" && x.subject === "models.anthropic.apiKey"));
    const authOnly = await authCheck(await contextFor({ stateDir: d, yaml, checks: ["auth"] }));
    assert.equal(one(authOnly, "auth.literal-secret", "models.anthropic.apiKey").status, "warn");
  });

  it("runs as part of clawdbot doctor and fails it on a literal key", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "config.yaml"), 'models:\n  openai:\n    apiKey: "literal-openai-key-value"\n', 0o600);
    const r = await runDoctor({ stateDir: d, configPath: path.join(d, "config.yaml"), configExplicit: true, checks: ["models"], fix: false, env: {}, checkSandbox: okSandbox });
    assert.equal(r.ok, false);
    assert.deepEqual([...new Set(r.findings.map((x) => x.check))], ["models"]);
  });
});
