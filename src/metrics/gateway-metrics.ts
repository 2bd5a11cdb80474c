/**
 * The gateway's Prometheus metrics (prom-client, on a registry of its own, never the global
 * one). Every label takes its values from a closed set or is capped, so no client can grow
 * the series without bound by sending odd method names, paths or reasons.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** At most this many distinct values per open-ended label; later ones count as "other". */
const MAX_LABEL_VALUES = 64;
const LABEL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Bounds a label's values: known-safe text, at most MAX_LABEL_VALUES distinct values, else "other". */
export class LabelCap {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_LABEL_VALUES) {}
  value(v: unknown): string {
    if (typeof v !== "string" || !LABEL_VALUE.test(v)) return "other";
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(v);
    return v;
  }
}

export interface MetricsSources {
  /** WebSocket connections that completed `connect`. */
  connections(): number;
  pendingApprovals(): number;
  pendingPairings(): number;
}

/** Seconds buckets for request-scale latencies: 0.5 ms … 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly reasons = new LabelCap();
  private readonly types = new LabelCap();
  private readonly tools = new LabelCap();
  private readonly requests: Counter<"transport" | "method" | "outcome">;
  private readonly denials: Counter<"type" | "reason">;
  private readonly rateLimited: Counter<"transport">;
  private readonly handshake: Histogram<"outcome">;
  private readonly toolLatency: Histogram<"tool" | "outcome">;
  private readonly auditWrite: Histogram;
  private readonly auditFailures: Counter;

  constructor(sources: MetricsSources, opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "clawdbot_requests_total",
      help: "Requests by transport, method (WebSocket method or HTTP route) and outcome (ok or the error code).",
      labelNames: ["transport", "method", "outcome"],
      registers,
    });
    this.denials = new Counter({
      name: "clawdbot_denials_total",
      help: "Refusals recorded in the audit log (outcome denied or failure), by audit event type and reason.",
      labelNames: ["type", "reason"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "clawdbot_rate_limited_total",
      help: "Requests, connections and handshakes refused by a rate limit, lockout or connection cap.",
      labelNames: ["transport"],
      registers,
    });
    this.handshake = new Histogram({
      name: "clawdbot_ws_handshake_seconds",
      help: "Time from the connect request to hello-ok (or its refusal).",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.toolLatency = new Histogram({
      name: "clawdbot_tool_seconds",
      help: "Tool calls through the policy pipeline, from request to result (approval waits included).",
      labelNames: ["tool", "outcome"],
      buckets: [...LATENCY_BUCKETS, 30, 60, 120, 300],
      registers,
    });
    this.auditWrite = new Histogram({
      name: "clawdbot_audit_write_seconds",
      help: "Time for an audit event to become durable (batched, fdatasync'd).",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.auditFailures = new Counter({ name: "clawdbot_audit_write_failures_total", help: "Audit events that could not be written.", registers });
    new Gauge({ name: "clawdbot_connections", help: "WebSocket connections that completed connect.", registers, collect() { this.set(sources.connections()); } });
    new Gauge({ name: "clawdbot_pending_approvals", help: "Exec approvals waiting for a decision.", registers, collect() { this.set(sources.pendingApprovals()); } });
    new Gauge({ name: "clawdbot_pending_pairings", help: "Device pairing requests waiting for a decision.", registers, collect() { this.set(sources.pendingPairings()); } });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "clawdbot_" });
  }

  /**
   * One finished request; `method` must come from a closed set (the method table, httpRoute);
   * `outcome` is "ok", an error code (WebSocket) or an HTTP status (HTTP).
   */
  request(transport: "ws" | "http", method: string, outcome: string): void {
    const o = outcome === "ok" ? "ok" : this.reasons.value(outcome.toLowerCase());
    this.requests.inc({ transport, method, outcome: o });
    if (outcome === "RATE_LIMITED" || outcome === "429") this.rateLimited.inc({ transport });
  }

  /** Counts an HTTP request when its response is finished, by route and status. */
  countHttp(_req: IncomingMessage, res: ServerResponse, pathname: string | undefined): void {
    const route = httpRoute(pathname);
    res.once("finish", () => this.request("http", route, res.statusCode < 400 ? "ok" : String(res.statusCode)));
  }

  /** A refusal before any method ran (upgrade refused, handshake refused). */
  refused(transport: "ws" | "http", code: string): void {
    if (code === "RATE_LIMITED") this.rateLimited.inc({ transport });
  }

  handshakeDone(seconds: number, outcome: string): void {
    this.handshake.observe({ outcome: outcome === "ok" ? "ok" : this.reasons.value(outcome.toLowerCase()) }, seconds);
  }

  toolDone(tool: string, seconds: number, outcome: string): void {
    this.toolLatency.observe({ tool: this.tools.value(tool), outcome: outcome === "ok" ? "ok" : this.reasons.value(outcome.toLowerCase()) }, seconds);
  }

  /** Feeds the audit metrics from the audit log's observers (src/app/audit-tap.ts). */
  auditObserver(): { written(e: { type: string; outcome: string; metadata?: Record<string, unknown> }, seconds: number): void; failed(): void } {
    return {
      written: (e, seconds) => {
        this.auditWritten(seconds);
        this.auditEvent(e);
      },
      failed: () => this.auditFailed(),
    };
  }

  auditWritten(seconds: number): void {
    this.auditWrite.observe(seconds);
  }

  auditFailed(): void {
    this.auditFailures.inc();
  }

  /** Counts an audit event that records a refusal. */
  auditEvent(e: { type: string; outcome: string; metadata?: Record<string, unknown> }): void {
    if (e.outcome !== "denied" && e.outcome !== "failure") return;
    const reason = e.metadata?.reason ?? e.metadata?.code ?? "unspecified";
    this.denials.inc({ type: this.types.value(e.type), reason: this.reasons.value(typeof reason === "string" ? reason.toLowerCase() : "unspecified") });
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const ROUTES = new Set(["/", "/health", "/ready", "/metrics", "/tools", "/tools/invoke", "/v1/chat/completions"]);

/** The route label for a request path: a known route, `/ui` for the page's assets, else "other". */
export function httpRoute(pathname: string | undefined): string {
  if (pathname === undefined) return "other";
  if (ROUTES.has(pathname)) return pathname;
  if (pathname.startsWith("/ui/")) return "/ui";
  return "other";
}
