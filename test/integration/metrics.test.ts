/**
 * GET /metrics and GET /ready on the real gateway. The exposition is parsed with a Prometheus
 * text-format parser (parse-prometheus-text-format), not matched with regexes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { connectWs, invokeHttp, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}

async function scrape(t: TestGateway, token: string | undefined): Promise<{ status: number; type: string | null; text: string; families: Map<string, Family> }> {
  const res = await fetch(`${t.httpUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  const families = new Map<string, Family>();
  if (res.status === 200) for (const f of parsePrometheusTextFormat(text) as Family[]) families.set(f.name, f);
  return { status: res.status, type: res.headers.get("content-type"), text, families };
}

/**
 * Observations in one labelled series of a histogram. The parser folds all of a histogram's
 * series into one, so it is given that family's lines for the one series.
 */
function observations(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = text.split("\n").filter((l) => l.startsWith(`# TYPE ${name} `) || (l.startsWith(`${name}_`) && want.every((w) => l.includes(w))));
  const [family] = parsePrometheusTextFormat(`${lines.join("\n")}\n`) as Family[];
  assert.equal(family?.type, "HISTOGRAM");
  return Number(family?.metrics[0]?.buckets?.["+Inf"] ?? 0);
}

/** The sum over the samples whose labels include `labels` (a histogram's sample counts its observations). */
function value(f: Family | undefined, labels: Record<string, string>): number {
  const hits = f?.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) ?? [];
  return hits.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

const viewer = randomToken();
const scraper = randomToken();

describe("GET /metrics", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      env: { T_VIEWER: viewer, T_SCRAPER: scraper },
      config: {
        gateway: {
          auth: { users: [{ id: "viewer@company.com", token: "${T_VIEWER}" }, { id: "prometheus", token: "${T_SCRAPER}" }] },
          rateLimit: { maxRequests: 1000 },
          metrics: { principals: ["prometheus"] },
        },
        rbac: {
          enabled: true,
          roles: { boss: { permissions: ["admin"] }, viewer: { permissions: ["read-only"] } },
          assignments: { owner: "boss", "viewer@company.com": "viewer", prometheus: "viewer" },
        },
      },
    });
  });
  after(() => t.close());

  test("without credentials: 401, audited", async () => {
    const r = await scrape(t, undefined);
    assert.equal(r.status, 401);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.transport === "http");
  });

  test("a principal without admin and not listed: 403, audited as rbac.denied", async () => {
    const r = await scrape(t, viewer);
    assert.equal(r.status, 403);
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.metadata.path === "/metrics");
    assert.equal(line.actor.id, "viewer@company.com");
  });

  test("a principal listed in gateway.metrics.principals may scrape", async () => {
    const r = await scrape(t, scraper);
    assert.equal(r.status, 200);
  });

  test("an admin scrapes Prometheus text that counts what happened", async () => {
    const { c } = await connectWs(t.wsUrl, { token: t.token });
    const ok = await c.request("tools.invoke", { tool: "write", args: { path: "m.txt", content: "x" } });
    assert.equal(ok.ok, true);
    const denied = await c.request("no.such.method", {});
    assert.equal(denied.ok, false);
    const bad = await invokeHttp(t.httpUrl, viewer, { tool: "write", args: { path: "v.txt", content: "x" } });
    assert.equal(bad.status, 403);

    const r = await scrape(t, t.token);
    assert.equal(r.status, 200);
    assert.match(r.type ?? "", /^text\/plain; version=0\.0\.4/);
    const f = (n: string): Family => {
      const fam = r.families.get(n);
      assert.ok(fam, `missing metric family ${n}; have ${[...r.families.keys()].join(", ")}`);
      return fam;
    };
    assert.equal(f("clawdbot_requests_total").type, "COUNTER");
    assert.equal(value(f("clawdbot_requests_total"), { transport: "ws", method: "tools.invoke", outcome: "ok" }), 1);
    assert.equal(value(f("clawdbot_requests_total"), { transport: "ws", method: "other", outcome: "invalid_request" }), 1, "unknown method names never become label values");
    assert.ok(value(f("clawdbot_requests_total"), { transport: "http", method: "/tools/invoke", outcome: "403" }) >= 1);
    assert.ok(value(f("clawdbot_denials_total"), { type: "rbac.denied" }) >= 2);
    assert.equal(f("clawdbot_connections").type, "GAUGE");
    assert.equal(value(f("clawdbot_connections"), {}), 1);
    assert.equal(value(f("clawdbot_pending_approvals"), {}), 0);
    assert.equal(value(f("clawdbot_pending_pairings"), {}), 0);
    assert.equal(f("clawdbot_ws_handshake_seconds").type, "HISTOGRAM");
    assert.ok(observations(r.text, "clawdbot_ws_handshake_seconds", { outcome: "ok" }) >= 1);
    assert.equal(f("clawdbot_tool_seconds").type, "HISTOGRAM");
    assert.equal(observations(r.text, "clawdbot_tool_seconds", { tool: "write", outcome: "ok" }), 1);
    assert.equal(observations(r.text, "clawdbot_tool_seconds", { tool: "write", outcome: "forbidden" }), 1);
    assert.ok(observations(r.text, "clawdbot_audit_write_seconds", {}) >= 3);
    assert.equal(value(f("clawdbot_audit_write_failures_total"), {}), 0);
    assert.ok(f("clawdbot_rate_limited_total"));
    assert.ok(f("clawdbot_process_resident_memory_bytes"));
    c.close();
  });
});

describe("rate-limit hits are counted", () => {
  test("a client over its request limit shows in clawdbot_rate_limited_total", async () => {
    const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 3, windowMs: 60_000 } } } });
    try {
      let limited = 0;
      for (let i = 0; i < 5; i++) if ((await invokeHttp(t.httpUrl, t.token, { tool: "read", args: { path: "x" } })).status === 429) limited++;
      assert.ok(limited >= 1);
      // The scrape itself is over the limit too; counters are read from a fresh window's gateway state.
      await t.writeConfig({ gateway: { rateLimit: { maxRequests: 1000, windowMs: 60_000 } } });
      await t.gw.reload();
      const r = await scrape(t, t.token);
      assert.equal(r.status, 200);
      assert.equal(value(r.families.get("clawdbot_rate_limited_total"), { transport: "http" }), limited);
    } finally {
      await t.close();
    }
  });
});

describe("gateway.metrics.enabled: false", () => {
  test("/metrics is not there", async () => {
    const t = await startTestGateway({ config: { gateway: { metrics: { enabled: false } } } });
    try {
      assert.equal((await fetch(`${t.httpUrl}/metrics`, { headers: { authorization: `Bearer ${t.token}` } })).status, 404);
    } finally {
      await t.close();
    }
  });
});

describe("GET /ready", () => {
  test("ready when the audit log and the sandbox work; no credentials needed, nothing secret said", async () => {
    const t = await startTestGateway();
    try {
      const res = await fetch(`${t.httpUrl}/ready`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { ok: true, ready: true });
    } finally {
      await t.close();
    }
  });

  test("503 while the sandbox is unavailable", async () => {
    const t = await startTestGateway({ config: { tools: { policy: "sandbox", exec: { bwrapPath: "/nonexistent/bwrap" } } } });
    try {
      const res = await fetch(`${t.httpUrl}/ready`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { problems: string[] };
      assert.deepEqual(body.problems, ["the sandbox is unavailable (commands cannot run)"]);
      assert.ok(!JSON.stringify(body).includes("/nonexistent"), "no paths on an unauthenticated endpoint");
    } finally {
      await t.close();
    }
  });

  test("503 while the audit log cannot be written", async () => {
    const t = await startTestGateway({ config: { gateway: { audit: { path: "/dev/full" } } } });
    try {
      await invokeHttp(t.httpUrl, t.token, { tool: "write", args: { path: "never.txt", content: "x" } });
      const res = await fetch(`${t.httpUrl}/ready`);
      assert.equal(res.status, 503);
      assert.ok(((await res.json()) as { problems: string[] }).problems.includes("the audit log cannot be written"));
    } finally {
      await t.close();
    }
  });
});
