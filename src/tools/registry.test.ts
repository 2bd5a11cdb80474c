import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { builtinTools, parseToolArgs } from "./registry.js";
import type { ToolDefinition } from "./types.js";

function tool(name: string): ToolDefinition {
  const t = builtinTools.get(name);
  assert.ok(t, name);
  return t;
}

function issuesOf(name: string, args: unknown): { path: string; message: string }[] {
  try {
    parseToolArgs(tool(name), args);
  } catch (e) {
    assert.ok(isGatewayError(e) && e.code === "INVALID_REQUEST");
    return (e.details as { issues: { path: string; message: string }[] }).issues;
  }
  assert.fail("expected INVALID_REQUEST");
}

describe("builtinTools", () => {
  const mutating: [string, boolean][] = [
    ["read", false],
    ["glob", false],
    ["search", false],
    ["write", true],
    ["edit", true],
    ["bash", true],
    ["exec", true],
  ];
  for (const [name, mutates] of mutating) {
    it(`${name} is registered with mutates=${mutates}`, () => {
      assert.equal(tool(name).name, name);
      assert.equal(tool(name).mutates, mutates);
    });
  }
  it("has exactly those tools", () => assert.equal(builtinTools.size, mutating.length));
});

describe("parseToolArgs", () => {
  it("returns valid arguments", () => {
    assert.deepEqual(parseToolArgs(tool("read"), { path: "a", offset: 2 }), { path: "a", offset: 2 });
    assert.deepEqual(parseToolArgs(tool("exec"), { command: "ls" }), { command: "ls" });
  });

  const bad: [string, unknown, string][] = [
    ["read", { path: "a", extra: 1 }, ""],
    ["read", { path: 1 }, "path"],
    ["read", { path: "a", offset: 0 }, "offset"],
    ["read", { path: "a", limit: 1.5 }, "limit"],
    ["read", null, ""],
    ["write", { path: "a" }, "content"],
    ["edit", { path: "a", oldText: "", newText: "x" }, "oldText"],
    ["glob", {}, "pattern"],
    ["search", { pattern: "x", flags: "i" }, ""],
    ["bash", { command: "" }, "command"],
    ["bash", { command: "a\0b" }, "command"],
    ["bash", { command: "ls", timeoutMs: -1 }, "timeoutMs"],
  ];
  for (const [name, args, path] of bad) {
    it(`${name} ${JSON.stringify(args)} → issue at "${path}"`, () => {
      const issues = issuesOf(name, args);
      assert.ok(issues.some((i) => i.path === path && i.message.length > 0), JSON.stringify(issues));
    });
  }
});
