import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { FakeClock } from "../core/clock.js";
import { GatewayError } from "../core/errors.js";
import { ApprovalManager } from "./approval-manager.js";
import type { ApprovalManagerOptions, ApprovalRequestInput, SetTimer } from "./types.js";

/** Timers driven by a FakeClock: advance() moves time and fires what is due. */
class ManualTimers {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(readonly clock: FakeClock) {}
  readonly set: SetTimer = (fn, ms) => {
    const t = { at: this.clock.now() + ms, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  };
  advance(ms: number): void {
    this.clock.advance(ms);
    for (const t of this.timers) {
      if (t.live && t.at <= this.clock.now()) {
        t.live = false;
        t.fn();
      }
    }
  }
  get live(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

interface Sent {
  event: string;
  payload: Record<string, unknown>;
  requesterId: string;
}

function setup(over: Partial<ApprovalManagerOptions> = {}) {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const sent: Sent[] = [];
  const manager = new ApprovalManager({
    clock,
    timeoutMs: 120_000,
    setTimer: timers.set,
    notify: (event, payload, meta) => sent.push({ event, payload: payload as Record<string, unknown>, requesterId: meta.requesterId }),
    ...over,
  });
  return { clock, timers, sent, manager };
}

const input = (requester = "ci@company.com", command = "sudo systemctl restart nginx"): ApprovalRequestInput => ({
  command,
  cwd: "/srv/app",
  agentId: "main",
  requester: { id: requester, connId: "c1", remoteIp: "10.0.0.5" },
  classes: ["elevated"],
  traceId: "0af7651916cd43dd8448eb211c80319c",
});

const approver = { id: "devops@company.com", canApprove: true };

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError);
    return `${e.code}/${String(e.details?.code)}`;
  }
  return "no error";
}

describe("ApprovalManager", () => {
  it("approve: notifies approvers, settles the waiting promise, emits resolved", async () => {
    const { manager, sent, clock, timers } = setup();
    const h = manager.request(input());
    assert.equal(h.expiresAtMs, clock.now() + 120_000);
    assert.deepEqual(sent, [
      {
        event: "exec.approval.requested",
        payload: {
          id: h.id,
          command: "sudo systemctl restart nginx",
          cwd: "/srv/app",
          agentId: "main",
          requester: "ci@company.com",
          classes: ["elevated"],
          expiresAtMs: h.expiresAtMs,
        },
        requesterId: "ci@company.com",
      },
    ]);
    assert.equal(manager.list().length, 1);

    const outcome = manager.resolve(h.id, approver, "approve");
    assert.equal(outcome.decision, "approve");
    assert.equal(outcome.reason, "approved");
    assert.equal(outcome.decider, "devops@company.com");
    assert.equal(outcome.request.command, "sudo systemctl restart nginx");
    assert.equal(await h.decision, outcome);
    assert.deepEqual(sent[1], {
      event: "exec.approval.resolved",
      payload: { id: h.id, decision: "approve", reason: "approved", decider: "devops@company.com" },
      requesterId: "ci@company.com",
    });
    assert.deepEqual(manager.list(), []);
    assert.equal(timers.live, 0, "the timeout timer is cancelled");
  });

  it("reject carries the decider's reason, bounded", async () => {
    const { manager } = setup();
    const h = manager.request(input());
    manager.resolve(h.id, approver, "reject", `  not during business hours${"!".repeat(1000)}  `);
    const outcome = await h.decision;
    assert.equal(outcome.decision, "reject");
    assert.ok(outcome.reason.startsWith("not during business hours"));
    assert.equal(outcome.reason.length, 500);
  });

  it("refuses self-approval even with the permission, and decisions without it", () => {
    const { manager } = setup();
    const h = manager.request(input("devops@company.com"));
    assert.equal(errorCode(() => manager.resolve(h.id, { id: "devops@company.com", canApprove: true }, "approve")), "FORBIDDEN/SELF_APPROVAL");
    assert.equal(errorCode(() => manager.resolve(h.id, { id: "devops@company.com", canApprove: true }, "reject")), "FORBIDDEN/SELF_APPROVAL");
    assert.equal(errorCode(() => manager.resolve(h.id, { id: "support@company.com", canApprove: false }, "approve")), "FORBIDDEN/MISSING_PERMISSION");
    assert.equal(manager.list().length, 1, "still pending after refused decisions");
    assert.equal(manager.resolve(h.id, { id: "admin@company.com", canApprove: true }, "approve").decision, "approve");
  });

  it("the first decision wins a race of two resolves", async () => {
    const { manager, sent } = setup();
    const h = manager.request(input());
    const results = await Promise.allSettled([
      Promise.resolve().then(() => manager.resolve(h.id, { id: "a", canApprove: true }, "reject")),
      Promise.resolve().then(() => manager.resolve(h.id, { id: "b", canApprove: true }, "approve")),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const err = (lost[0] as PromiseRejectedResult).reason as GatewayError;
    assert.equal(err.code, "INVALID_REQUEST");
    assert.equal(err.details?.code, "APPROVAL_ALREADY_RESOLVED");
    const outcome = await h.decision;
    assert.deepEqual(outcome, (won[0] as PromiseFulfilledResult<unknown>).value);
    assert.equal(outcome.decider, "a");
    assert.equal(sent.filter((s) => s.event === "exec.approval.resolved").length, 1);
  });

  it("timeout rejects with reason timeout and no decider; later decisions find nothing", async () => {
    const { manager, timers, sent } = setup();
    const h = manager.request(input());
    timers.advance(119_999);
    assert.equal(manager.list().length, 1);
    timers.advance(1);
    const outcome = await h.decision;
    assert.deepEqual([outcome.decision, outcome.reason, outcome.decider], ["reject", "timeout", null]);
    assert.deepEqual(sent.at(-1)?.payload, { id: h.id, decision: "reject", reason: "timeout", decider: null });
    assert.equal(errorCode(() => manager.resolve(h.id, approver, "approve")), "INVALID_REQUEST/APPROVAL_NOT_FOUND");
  });

  it("a decision after expiry is refused even if the timer has not fired yet", async () => {
    const { manager, clock } = setup({ setTimer: () => () => undefined });
    const h = manager.request(input());
    clock.advance(120_000);
    assert.equal(errorCode(() => manager.resolve(h.id, approver, "approve")), "INVALID_REQUEST/APPROVAL_NOT_FOUND");
    assert.equal((await h.decision).reason, "timeout");
    const g = manager.request(input());
    clock.advance(120_000);
    assert.deepEqual(manager.list(), [], "list() ends what has expired");
    assert.equal((await g.decision).reason, "timeout");
  });

  it("unknown ids and bad decisions", () => {
    const { manager } = setup();
    const h = manager.request(input());
    assert.equal(errorCode(() => manager.resolve("nope", approver, "approve")), "INVALID_REQUEST/APPROVAL_NOT_FOUND");
    assert.equal(errorCode(() => manager.resolve(h.id, approver, "maybe" as "approve")), "INVALID_REQUEST/INVALID_DECISION");
  });

  it("caps pending requests per requester and in total", () => {
    const { manager, timers } = setup({ maxPendingPerRequester: 2, maxPending: 3 });
    const first = manager.request(input("a"));
    timers.advance(1000);
    manager.request(input("a"));
    const over = (() => {
      try {
        manager.request(input("a"));
      } catch (e) {
        return e as GatewayError;
      }
      return undefined;
    })();
    assert.equal(over?.code, "RATE_LIMITED");
    assert.equal(over?.details?.code, "APPROVAL_PENDING_LIMIT");
    assert.equal(over?.retryAfterMs, 119_000, "until the oldest of the requester's requests expires");
    manager.request(input("b"));
    assert.equal(errorCode(() => manager.request(input("c"))), "RATE_LIMITED/APPROVAL_QUEUE_FULL");
    manager.resolve(first.id, approver, "reject");
    assert.equal(manager.request(input("a")).expiresAtMs > 0, true, "a decided request frees its slot");
  });

  it("pending entries are frozen snapshots of what will run", async () => {
    const { manager } = setup();
    const req = input();
    const classes = ["destructive"];
    req.classes = classes;
    const h = manager.request(req);
    req.command = "rm -rf /";
    req.cwd = "/";
    req.agentId = "deploy";
    req.requester.id = "devops@company.com";
    classes.push("elevated");

    const [view] = manager.list();
    assert.ok(view);
    assert.deepEqual(
      [view.command, view.cwd, view.agentId, view.requester.id, [...view.classes]],
      ["sudo systemctl restart nginx", "/srv/app", "main", "ci@company.com", ["destructive"]],
    );
    assert.throws(() => {
      (view as { command: string }).command = "rm -rf /";
    }, TypeError);
    assert.throws(() => (view.classes as string[]).push("x"), TypeError);
    assert.equal(
      errorCode(() => manager.resolve(h.id, { id: "ci@company.com", canApprove: true }, "approve")),
      "FORBIDDEN/SELF_APPROVAL",
      "the requester recorded at request time still counts",
    );
    const outcome = manager.resolve(h.id, { id: "devops@company.com", canApprove: true }, "approve");
    assert.equal(outcome.request.command, "sudo systemctl restart nginx");
    assert.ok(Object.isFrozen(outcome) && Object.isFrozen(outcome.request) && Object.isFrozen(outcome.request.requester));
    assert.equal((await h.decision).request.cwd, "/srv/app");
  });

  it("cancelAll rejects everything pending with the given reason", async () => {
    const { manager, timers } = setup();
    const a = manager.request(input("a"));
    const b = manager.request(input("b"));
    assert.equal(manager.cancelAll("shutdown"), 2);
    for (const h of [a, b]) {
      const o = await h.decision;
      assert.deepEqual([o.decision, o.reason, o.decider], ["reject", "shutdown", null]);
    }
    assert.equal(timers.live, 0);
    assert.equal(errorCode(() => manager.resolve(a.id, approver, "approve")), "INVALID_REQUEST/APPROVAL_ALREADY_RESOLVED");
  });

  it("rejects malformed requests", () => {
    const { manager } = setup();
    const cases: [Partial<ApprovalRequestInput> | Record<string, unknown>, string][] = [
      [{ command: "" }, "command"],
      [{ command: 5 }, "command"],
      [{ cwd: undefined }, "cwd"],
      [{ agentId: "" }, "agentId"],
      [{ requester: { id: "" } }, "requester.id"],
      [{ requester: null }, "requester"],
      [{ classes: "elevated" }, "classes"],
      [{ classes: ["elevated", 3] }, "classes[1]"],
      [{ traceId: 7 }, "traceId"],
    ];
    for (const [over, field] of cases) {
      const err = (() => {
        try {
          manager.request({ ...input(), ...over } as ApprovalRequestInput);
        } catch (e) {
          return e as GatewayError;
        }
        return undefined;
      })();
      assert.equal(err?.code, "INVALID_REQUEST", field);
      assert.equal(err?.details?.field, field);
    }
    assert.deepEqual(manager.list(), []);
  });

  it("a throwing notify does not break the lifecycle", async () => {
    const { manager } = setup({
      notify: () => {
        throw new Error("socket gone");
      },
    });
    const h = manager.request(input());
    manager.resolve(h.id, approver, "approve");
    assert.equal((await h.decision).decision, "approve");
  });

  it("rejects nonsensical limits", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => setup({ timeoutMs: bad }), RangeError);
      assert.throws(() => setup({ maxPending: bad }), RangeError);
    }
  });

  it("remembers decided ids only up to its bound", () => {
    const { manager } = setup({ rememberResolved: 2 });
    const ids = [1, 2, 3].map(() => manager.request(input()).id);
    for (const id of ids) manager.resolve(id, approver, "approve");
    assert.equal(errorCode(() => manager.resolve(ids[0] as string, approver, "approve")), "INVALID_REQUEST/APPROVAL_NOT_FOUND");
    assert.equal(errorCode(() => manager.resolve(ids[2] as string, approver, "approve")), "INVALID_REQUEST/APPROVAL_ALREADY_RESOLVED");
  });

  it("uses real setTimeout by default (mocked here)", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const clock = new FakeClock();
      const manager = new ApprovalManager({ clock, timeoutMs: 5000, notify: () => undefined });
      const h = manager.request(input());
      clock.advance(5000);
      mock.timers.tick(5000);
      assert.equal((await h.decision).reason, "timeout");
    } finally {
      mock.timers.reset();
    }
  });
});

describe("cancel and decider address", () => {
  it("cancel rejects one pending request with the reason; a second cancel or a later decision finds nothing", async () => {
    const events: [string, object][] = [];
    const m = new ApprovalManager({ clock: new FakeClock(), timeoutMs: 60_000, notify: (e, p) => events.push([e, p]) });
    const h = m.request({ command: "rm x", cwd: "/w", agentId: "main", requester: { id: "dev" }, classes: ["destructive"] });
    assert.equal(m.cancel(h.id, "requester_disconnected"), true);
    const out = await h.decision;
    assert.equal(out.decision, "reject");
    assert.equal(out.reason, "requester_disconnected");
    assert.equal(out.decider, null);
    assert.equal(m.cancel(h.id, "again"), false);
    assert.throws(() => m.resolve(h.id, { id: "ops", canApprove: true }, "approve"));
    assert.equal(m.list().length, 0);
  });

  it("a decision carries the decider's address", async () => {
    const m = new ApprovalManager({ clock: new FakeClock(), timeoutMs: 60_000, notify: () => undefined });
    const h = m.request({ command: "rm x", cwd: "/w", agentId: "main", requester: { id: "dev" }, classes: ["destructive"] });
    m.resolve(h.id, { id: "ops", canApprove: true, remoteIp: "10.1.2.3" }, "approve");
    assert.equal((await h.decision).deciderRemoteIp, "10.1.2.3");
  });
});
