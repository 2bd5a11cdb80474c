import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { CredentialSet } from "./secret-auth.js";

const tok = () => crypto.randomBytes(32).toString("base64");

test("matches the shared token and named users, each as its own principal", () => {
  const shared = tok();
  const ci = tok();
  const set = new CredentialSet({
    principal: "owner",
    sharedToken: shared,
    users: [{ id: "ci@company.com", token: ci }, { id: "alice@company.com", password: "correct horse battery" }],
  });
  assert.equal(set.match(shared, "token"), "owner");
  assert.equal(set.match(ci, "token"), "ci@company.com");
  assert.equal(set.match("correct horse battery", "password"), "alice@company.com");
});

test("refuses wrong secrets, prefixes, and a secret of the other kind", () => {
  const shared = tok();
  const set = new CredentialSet({ principal: "owner", sharedToken: shared, users: [{ id: "bob", password: "hunter2hunter2" }] });
  assert.equal(set.match(tok(), "token"), undefined);
  assert.equal(set.match(shared.slice(0, -1), "token"), undefined);
  assert.equal(set.match(`${shared}x`, "token"), undefined);
  assert.equal(set.match("", "token"), undefined);
  assert.equal(set.match("hunter2hunter2", "token"), undefined);
  assert.equal(set.match(shared, "password"), undefined);
});
