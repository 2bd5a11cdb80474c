import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadClientSettings, loadConfigFile } from "./index.js";

test("client settings read only the address (and the shared secret when needed): another user's unset variable is no error", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-client-"));
  const file = path.join(dir, "config.yaml");
  await fs.writeFile(
    file,
    'gateway:\n  bind: "127.0.0.1"\n  port: 19999\n  auth:\n    mode: token\n    token: ${GATEWAY_TOKEN}\n    users:\n      - id: admin@company.com\n        token: ${ADMIN_TOKEN}\nrbac:\n  enabled: true\n',
  );
  // The gateway needs every variable ...
  assert.throws(() => loadConfigFile({ path: file, explicit: true, env: {} }), ConfigError);
  // ... a client with its own credential needs none of them.
  const s = loadClientSettings({ path: file, explicit: true, env: {}, needCredential: false });
  assert.deepEqual([s.bind, s.port], ["127.0.0.1", 19999]);
  // Without its own credential it needs the shared token, and says which one is missing.
  assert.throws(
    () => loadClientSettings({ path: file, explicit: true, env: {}, needCredential: true }),
    (e: unknown) => e instanceof ConfigError && /gateway\.auth\.token: environment variable GATEWAY_TOKEN is not set/.test(e.message) && !/ADMIN_TOKEN/.test(e.message),
  );
  const withShared = loadClientSettings({ path: file, explicit: true, env: { GATEWAY_TOKEN: "x".repeat(32) }, needCredential: true });
  assert.equal(withShared.auth.token, "x".repeat(32));
  // A syntax error is still reported, with the parser's words.
  await fs.writeFile(file, "gateway:\n  port: 1\n  bind: a: b\n");
  assert.throws(() => loadClientSettings({ path: file, explicit: true, env: {}, needCredential: false }), /Nested mappings/);
});
