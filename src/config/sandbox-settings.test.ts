import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultSandboxSettings } from "../sandbox/settings.js";
import { ConfigError, parseConfigText } from "./index.js";

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseConfigText(text, {});
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return [...e.issues];
  }
  assert.fail(`expected the config to be refused:\n${text}`);
}

describe("tools.sandbox and the running-command caps", () => {
  it("defaults equal the sandbox's own defaults and the documented caps", () => {
    const { config } = parseConfigText("{}\n", {});
    assert.deepEqual(config.tools.sandbox, defaultSandboxSettings);
    assert.equal(config.tools.exec.maxConcurrent, 8);
    assert.equal(config.tools.exec.maxConcurrentPerPrincipal, 4);
  });

  it("refuses root as the sandbox user or group, naming the key path", () => {
    for (const key of ["uid", "gid"]) {
      const issues = issuesOf(`tools:\n  sandbox:\n    ${key}: 0\n`);
      assert.equal(issues[0]?.path, `tools.sandbox.${key}`);
      assert.match(issues[0]?.message ?? "", /must not be 0 \(root\)/);
    }
  });

  it("refuses bad limits and unknown keys", () => {
    const cases: [string, string][] = [
      ["tools:\n  sandbox:\n    maxProcesses: 0\n", "tools.sandbox.maxProcesses"],
      ["tools:\n  sandbox:\n    maxMemoryBytes: 1024\n", "tools.sandbox.maxMemoryBytes"],
      ["tools:\n  sandbox:\n    maxCpuSeconds: 1.5\n", "tools.sandbox.maxCpuSeconds"],
      ["tools:\n  sandbox:\n    uid: -1\n", "tools.sandbox.uid"],
      ["tools:\n  sandbox:\n    gid: 3000000000\n", "tools.sandbox.gid"],
      ["tools:\n  sandbox:\n    user: nobody\n", "tools.sandbox.user"],
      ["tools:\n  exec:\n    maxConcurrent: 0\n", "tools.exec.maxConcurrent"],
      ["tools:\n  exec:\n    maxConcurrentPerPrincipal: -2\n", "tools.exec.maxConcurrentPerPrincipal"],
    ];
    for (const [yaml, path] of cases) assert.equal(issuesOf(yaml)[0]?.path, path, yaml);
  });
});
