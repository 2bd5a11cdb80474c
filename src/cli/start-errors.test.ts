import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStartError } from "./start-errors.js";

const err = (code: string, extra: Record<string, unknown>): Error => Object.assign(new Error(code), { code, ...extra });

test("start errors name the real address or path and say what to try", () => {
  const ctx = { stateDir: "/srv/clawdbot", bind: "the configured address", port: -1 };
  assert.equal(
    describeStartError(err("EADDRINUSE", { address: "127.0.0.1", port: 18789, syscall: "listen" }), ctx),
    "cannot listen on 127.0.0.1:18789: address already in use — another clawdbot gateway (or another program) may be running there; stop it, or pick another port with --port N or gateway.port",
  );
  assert.match(describeStartError(err("EADDRINUSE", { address: "::1", port: 80 }), ctx) ?? "", /\[::1\]:80/);
  const perm = describeStartError(err("EACCES", { path: "/srv/clawdbot/credentials", syscall: "mkdir" }), ctx) ?? "";
  assert.match(perm, /^cannot use the state directory \/srv\/clawdbot: \/srv\/clawdbot\/credentials — permission denied \(EACCES\)/);
  assert.match(perm, /CLAWDBOT_STATE_DIR/);
  assert.equal(describeStartError(err("EACCES", { path: "/etc/elsewhere" }), ctx), undefined, "only paths in the state dir");
  assert.equal(describeStartError(new Error("boom"), ctx), undefined);
});
