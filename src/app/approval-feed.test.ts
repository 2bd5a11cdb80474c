import { test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalFeed, RECENT_DECISIONS } from "./approval-feed.js";

const req = (id: string, requester = "dev@x") => ({ id, command: `rm ${id}`, cwd: "/w", agentId: "main", requester, classes: ["destructive"], expiresAtMs: 10 });

test("ApprovalFeed: a requester's own waiting requests and events; recent decisions bounded, newest first", () => {
  const events: [string, string, unknown][] = [];
  let now = 100;
  const feed = new ApprovalFeed(() => now, (who, ev, p) => events.push([who, ev, p]));
  feed.observe("exec.approval.requested", req("a"));
  feed.observe("exec.approval.requested", req("b", "ops@x"));
  assert.deepEqual(feed.waitingFor("dev@x").map((r) => r.id), ["a"]);
  now = 200;
  feed.observe("exec.approval.resolved", { id: "a", decision: "reject", reason: "no", decider: "ops@x" });
  feed.observe("exec.approval.resolved", { id: "unknown", decision: "approve", reason: "x", decider: null });
  assert.deepEqual(feed.waitingFor("dev@x"), []);
  assert.deepEqual(events.map(([who, ev]) => `${who} ${ev}`), ["dev@x exec.approval.own.requested", "ops@x exec.approval.own.requested", "dev@x exec.approval.own.resolved"]);
  assert.deepEqual(feed.recent()[0], { ...req("a"), decision: "reject", reason: "no", decider: "ops@x", decidedAtMs: 200 });
  for (let i = 0; i < RECENT_DECISIONS + 5; i++) {
    feed.observe("exec.approval.requested", req(`r${i}`));
    feed.observe("exec.approval.resolved", { id: `r${i}`, decision: "approve", reason: "ok", decider: "ops@x" });
  }
  const recent = feed.recent();
  assert.equal(recent.length, RECENT_DECISIONS);
  assert.equal(recent[0]?.id, `r${RECENT_DECISIONS + 4}`);
});
