import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./errors.js";
import { parseConfigText } from "./load.js";
import { resolveModelRef } from "./model-refs.js";

function issuesOf(yaml: string): { path: string; message: string }[] {
  try {
    parseConfigText(yaml, {});
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  return [];
}

describe("models and agents config", () => {
  it("accepts the design's example and fills defaults", () => {
    const { config } = parseConfigText(
      [
        "models:",
        "  anthropic:",
        "    apiKey: ${K}",
        "  local:",
        "    api: openai-completions",
        "    baseUrl: http://127.0.0.1:11434/v1",
        "    apiKey: ${LOCAL_KEY:-none}",
        "agents:",
        "  main:",
        "    model: anthropic/claude-sonnet-4-5",
        "    fallbacks: [local/qwen3:8b]",
        "    systemPrompt: You are Clawd",
        "    maxTurns: 25",
        "",
      ].join("\n"),
      { K: "k".repeat(20) },
    );
    assert.equal(config.models.anthropic?.contextWindow, 128_000);
    assert.equal(config.models.local?.apiKey, "none");
    assert.equal(config.agents.main?.runTimeoutSec, 600);
    assert.deepEqual(config.agents.main?.fallbacks, ["local/qwen3:8b"]);
    const r = resolveModelRef(config.models, "local/meta-llama/Llama-3");
    assert.ok(r.ok && r.ref.provider === "local" && r.ref.model === "meta-llama/Llama-3");
  });

  const cases: { name: string; yaml: string; path: string; message: RegExp }[] = [
    { name: "unknown provider", yaml: "agents:\n  main:\n    model: nope/x\n", path: "agents.main.model", message: /provider "nope" is not configured/ },
    {
      name: "fallback to unknown provider",
      yaml: "models:\n  anthropic: {}\nagents:\n  main:\n    model: anthropic/c\n    fallbacks: [anthropic/d, gone/e]\n",
      path: "agents.main.fallbacks[1]",
      message: /provider "gone"/,
    },
    { name: "api required for other ids", yaml: "models:\n  local:\n    baseUrl: http://127.0.0.1:1/v1\n", path: "models.local.api", message: /required/ },
    { name: "bare provider without default model", yaml: "models:\n  openai: {}\nagents:\n  main:\n    model: openai\n", path: "agents.main.model", message: /provider\/model/ },
    { name: "non-http baseUrl", yaml: "models:\n  openai:\n    baseUrl: ftp://example.com/\n", path: "models.openai.baseUrl", message: /http/ },
    { name: "unknown api", yaml: "models:\n  x:\n    api: gemini\n", path: "models.x.api", message: /must be one of/ },
    { name: "unknown agent key", yaml: "agents:\n  main:\n    temperature: 1\n", path: "agents.main.temperature", message: /unknown key/ },
    { name: "fallbacks without model", yaml: "models:\n  openai: {}\nagents:\n  main:\n    fallbacks: [openai/x]\n", path: "agents.main.model", message: /required/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}, naming ${c.path}`, () => {
      const issues = issuesOf(c.yaml);
      const hit = issues.find((i) => i.path === c.path);
      assert.ok(hit, `no issue at ${c.path}: ${JSON.stringify(issues)}`);
      assert.match(hit.message, c.message);
    });
  }

  it("a bare provider uses its default model", () => {
    const { config } = parseConfigText("models:\n  openai:\n    model: gpt-4o\nagents:\n  main:\n    model: openai\n", {});
    const r = resolveModelRef(config.models, config.agents.main?.model ?? "");
    assert.ok(r.ok && r.ref.model === "gpt-4o");
  });
});
