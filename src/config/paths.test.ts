import { describe, it } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { auditPathFor, credentialsDirFor, resolvePaths, workspaceFor } from "./index.js";

describe("resolvePaths", () => {
  const cases: { name: string; flag?: string; env: NodeJS.ProcessEnv; state: string; config: string; explicit: boolean }[] = [
    { name: "defaults", env: {}, state: path.join(os.homedir(), ".clawdbot"), config: path.join(os.homedir(), ".clawdbot", "config.yaml"), explicit: false },
    { name: "state from env", env: { CLAWDBOT_STATE_DIR: "/srv/claw" }, state: "/srv/claw", config: "/srv/claw/config.yaml", explicit: false },
    { name: "config from env", env: { CLAWDBOT_STATE_DIR: "/srv/claw", CLAWDBOT_CONFIG: "/etc/claw.yaml" }, state: "/srv/claw", config: "/etc/claw.yaml", explicit: true },
    { name: "flag beats env", flag: "/opt/c.yaml", env: { CLAWDBOT_STATE_DIR: "/srv/claw", CLAWDBOT_CONFIG: "/etc/claw.yaml" }, state: "/srv/claw", config: "/opt/c.yaml", explicit: true },
    { name: "empty env values are ignored", env: { CLAWDBOT_STATE_DIR: "", CLAWDBOT_CONFIG: "" }, state: path.join(os.homedir(), ".clawdbot"), config: path.join(os.homedir(), ".clawdbot", "config.yaml"), explicit: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(resolvePaths({ configFlag: c.flag, env: c.env }), { stateDir: c.state, configPath: c.config, configExplicit: c.explicit });
    });
  }

  it("derives the audit log, credentials and workspace paths", () => {
    assert.equal(auditPathFor("/s", undefined), "/s/audit.jsonl");
    assert.equal(auditPathFor("/s", "logs/a.jsonl"), "/s/logs/a.jsonl");
    assert.equal(auditPathFor("/s", "/var/log/a.jsonl"), "/var/log/a.jsonl");
    assert.equal(credentialsDirFor("/s"), "/s/credentials");
    assert.equal(workspaceFor("/s", "main", undefined), "/s/workspace");
    assert.equal(workspaceFor("/s", "deploy", undefined), "/s/workspaces/deploy");
    assert.equal(workspaceFor("/s", "deploy", "/w"), "/w");
  });
});
