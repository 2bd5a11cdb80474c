/**
 * The one schema for config.yaml. Strict everywhere: unknown keys are errors.
 * Defaults here are the product's safe defaults (and the guide's numbers).
 */
import { z } from "zod";

const port = z.number().int().min(0).max(65535);
const positiveMs = z.number().int().positive();
const nonEmpty = z.string().min(1);

const userCredential = z.union([
  z.strictObject({ id: nonEmpty, token: nonEmpty.min(16, "must be at least 16 characters") }),
  z.strictObject({ id: nonEmpty, password: nonEmpty.min(8, "must be at least 8 characters") }),
]);

const authSchema = z
  .strictObject({
    mode: z.enum(["token", "password", "tailscale", "none"]).default("token"),
    token: nonEmpty.optional(),
    password: nonEmpty.optional(),
    principal: nonEmpty.default("owner"),
    users: z.array(userCredential).default([]),
    allowTailscale: z.boolean().default(false),
    lockout: z
      .strictObject({
        maxFailures: z.number().int().positive().default(10),
        windowMs: positiveMs.default(60_000),
        lockoutMs: positiveMs.default(300_000),
      })
      .prefault({}),
  })
  .prefault({});

const rateLimitSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    windowMs: positiveMs.default(60_000),
    maxRequests: z.number().int().positive().default(100),
    maxConnections: z.number().int().positive().default(50),
    maxUnauthenticatedPerIp: z.number().int().positive().default(10),
    /** WebSocket connections that have not authenticated, all addresses together (the rest of maxConnections is kept for authenticated ones). */
    maxUnauthenticated: z.number().int().positive().default(20),
    /** Under pressure (an unauthenticated budget full), an unauthenticated socket older than this gives way to a newcomer. */
    unauthenticatedPressureTimeoutMs: positiveMs.default(2_000),
  })
  .prefault({});

const pairingSchema = z
  .strictObject({
    maxAttempts: z.number().int().positive().default(10),
    windowMs: positiveMs.default(60_000),
    backoffBaseMs: positiveMs.default(1_000),
    backoffMaxMs: positiveMs.default(300_000),
    pendingTtlMs: positiveMs.default(300_000),
    /** Pending pairing requests at once, and from one address key. */
    maxPending: z.number().int().positive().default(100),
    maxPendingPerIp: z.number().int().positive().default(3),
    /** Pair a device that proves its key with a valid credential on a direct loopback connection (no proxy, no Origin). */
    autoApproveLoopback: z.boolean().default(true),
  })
  .prefault({});

const auditSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    retentionDays: z.number().int().min(0).default(30),
    path: nonEmpty.optional(),
  })
  .prefault({});

const limitsSchema = z
  .strictObject({
    maxPayload: z.number().int().min(1024).default(1_048_576),
    maxPreAuthPayload: z.number().int().min(1024).default(65_536),
    maxBodyBytes: z.number().int().min(1024).default(1_048_576),
    maxBufferedBytes: z.number().int().min(1024).default(8_388_608),
    handshakeTimeoutMs: positiveMs.default(10_000),
    tickIntervalMs: positiveMs.default(30_000),
    /** Time to receive a whole HTTP request (headers and body); slow senders are cut off. */
    requestTimeoutMs: positiveMs.default(30_000),
    /** Concurrent HTTP connections the server accepts. */
    maxHttpConnections: z.number().int().positive().default(1_024),
    /** HTTP connections one address may hold (trusted proxies exempt), and HTTP connections that have not authenticated, in all. */
    maxHttpConnectionsPerIp: z.number().int().positive().default(64),
    maxUnauthenticatedHttpConnections: z.number().int().positive().default(768),
    /** Requests one WebSocket connection may have in flight (a tool run, an approval wait). */
    maxInflightPerConnection: z.number().int().positive().default(32),
    /** Agent runs one principal may have running at once (across all its connections). */
    maxRunsPerPrincipal: z.number().int().positive().default(4),
    /** Largest user message an agent run accepts (UTF-8 bytes). */
    maxMessageBytes: z.number().int().min(1024).default(262_144),
  })
  .prefault({});

const tailscaleSchema = z
  .strictObject({
    binary: nonEmpty.default("tailscale"),
    cacheTtlMs: positiveMs.default(60_000),
    timeoutMs: positiveMs.default(5_000),
  })
  .prefault({});

const metricsSchema = z
  .strictObject({
    /** GET /metrics (Prometheus text) on the gateway port, behind the same bearer credentials. */
    enabled: z.boolean().default(true),
    /** Principals allowed to scrape besides those holding `admin` (e.g. a scraper's user). */
    principals: z.array(nonEmpty).default([]),
  })
  .prefault({});

/** Config-file reloads: a change is applied once the file has been stable (same content) for settleMs twice. */
const reloadSchema = z
  .strictObject({
    settleMs: z.number().int().min(20).max(60_000).default(500),
  })
  .prefault({});

const gatewaySchema = z
  .strictObject({
    port: port.default(18789),
    bind: nonEmpty.default("127.0.0.1"),
    auth: authSchema,
    allowedOrigins: z.array(nonEmpty).default([]),
    trustedProxies: z.array(nonEmpty).default([]),
    rateLimit: rateLimitSchema,
    pairing: pairingSchema,
    audit: auditSchema,
    limits: limitsSchema,
    tailscale: tailscaleSchema,
    metrics: metricsSchema,
    reload: reloadSchema,
    controlUi: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  })
  .prefault({});

const roleSchema = z.strictObject({
  name: z.string().optional(),
  permissions: z.array(nonEmpty).default([]),
  agents: z.array(nonEmpty).optional(),
  tools: z
    .strictObject({
      allow: z.array(nonEmpty).optional(),
      deny: z.array(nonEmpty).optional(),
    })
    .optional(),
});

const rbacSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    defaultRole: nonEmpty.optional(),
    roles: z.record(z.string(), roleSchema).default({}),
    assignments: z.record(z.string(), nonEmpty).default({}),
  })
  .prefault({});

const approvalsSchema = z
  .strictObject({
    exec: z
      .strictObject({
        enabled: z.boolean().default(false),
        requireApproval: z.array(z.enum(["elevated", "destructive"])).default(["elevated", "destructive"]),
        timeoutMs: positiveMs.default(120_000),
        maxPendingPerRequester: z.number().int().positive().default(20),
      })
      .prefault({}),
  })
  .prefault({});

export const DEFAULT_BLOCKLIST = ["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero"] as const;

const toolLimitsSchema = z
  .strictObject({
    maxReadBytes: z.number().int().positive().default(262_144),
    maxWriteBytes: z.number().int().positive().default(10_485_760),
    maxOutputBytes: z.number().int().positive().default(1_048_576),
    defaultTimeoutMs: positiveMs.default(30_000),
    maxTimeoutMs: positiveMs.default(600_000),
    maxResults: z.number().int().positive().default(1_000),
    maxSearchFileBytes: z.number().int().positive().default(2_097_152),
    searchTimeoutMs: positiveMs.default(10_000),
    /** Warm worker threads for `glob` and `search` (docs/sandbox.md, "Walk workers"). */
    searchWorkers: z.number().int().min(1).max(16).default(2),
    /** `glob`/`search` calls that may wait for a free worker before one more is refused. */
    searchQueueMax: z.number().int().min(0).max(10_000).default(64),
    /** What `read` returns for a binary file: only its size, or its bytes base64-encoded (capped at maxReadBytes). */
    binaryFiles: z.enum(["omit", "base64"]).default("omit"),
    /** Tool output fed back to a model is cut to this many UTF-8 bytes (the rest is dropped with a note). */
    maxModelResultBytes: z.number().int().min(256).default(32_768),
  })
  .prefault({});

const hostId = z
  .number()
  .int()
  .min(1, "must not be 0 (root): sandboxed commands must not run with host privilege")
  .max(2_147_483_646, "must be at most 2147483646 (bubblewrap cannot map larger ids)");

/** Who sandboxed commands run as when the gateway is root, and their resource limits (docs/sandbox.md). */
const sandboxSettingsSchema = z
  .strictObject({
    uid: hostId.default(65534),
    gid: hostId.default(65534),
    maxProcesses: z.number().int().positive().default(256),
    maxMemoryBytes: z.number().int().min(16_777_216).default(2_147_483_648),
    maxCpuSeconds: z.number().int().positive().default(600),
    maxFileBytes: z.number().int().positive().default(1_073_741_824),
    maxTmpBytes: z.number().int().positive().default(268_435_456),
  })
  .prefault({});

const toolsSchema = z
  .strictObject({
    policy: z.enum(["sandbox", "host"]).default("sandbox"),
    exec: z
      .strictObject({
        blocklist: z.array(nonEmpty).default([...DEFAULT_BLOCKLIST]),
        bwrapPath: nonEmpty.default("bwrap"),
        /** Commands running at once, gateway-wide; more are refused with RATE_LIMITED (docs/sandbox.md). */
        maxConcurrent: z.number().int().positive().default(8),
        /** Commands one principal may have running at once. */
        maxConcurrentPerPrincipal: z.number().int().positive().default(4),
      })
      .prefault({}),
    limits: toolLimitsSchema,
    sandbox: sandboxSettingsSchema,
  })
  .prefault({});

const agentSchema = z.strictObject({
  workspace: nonEmpty.optional(),
  /** Display name (agents.list). */
  name: nonEmpty.optional(),
  /** "provider/model": the provider is a key of `models`; the model name may itself contain "/". */
  model: nonEmpty.optional(),
  /** Tried in order when the primary fails after its retries. Same "provider/model" form. */
  fallbacks: z.array(nonEmpty).default([]),
  systemPrompt: z.string().optional(),
  /** Model calls per run. */
  maxTurns: z.number().int().positive().max(1_000).default(25),
  /** A run is aborted after this many seconds (the `agent` request's `timeout` may only shorten it). */
  runTimeoutSec: z.number().int().positive().default(600),
  /** Overrides the provider's maxOutputTokens for this agent. */
  maxOutputTokens: z.number().int().positive().optional(),
});

/** An agent entry with every default filled (the implicit `main`). */
export function defaultAgentConfig(): z.output<typeof agentSchema> {
  return agentSchema.parse({});
}

export const MODEL_APIS = ["anthropic-messages", "openai-completions"] as const;

const modelSchema = z.strictObject({
  /** Wire API; defaults: id `anthropic` → anthropic-messages, id `openai` → openai-completions; required otherwise. */
  api: z.enum(MODEL_APIS).optional(),
  apiKey: nonEmpty.optional(),
  baseUrl: z.url().optional(),
  /** Default model name for an agent whose `model` names only this provider. */
  model: nonEmpty.optional(),
  /** Tokens a request may fill (prompt + output); older turns are dropped to stay within it. */
  contextWindow: z.number().int().min(1_024).default(128_000),
  /** Output tokens requested per model call. */
  maxOutputTokens: z.number().int().positive().default(4_096),
  /** Retries of one call on 429 / 5xx / network errors (not 401/403), with exponential backoff. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  /** First backoff delay; doubled per retry (a Retry-After header wins), capped at 30 s. */
  retryBaseMs: positiveMs.default(500),
  /** One model call (the whole streamed response) is aborted after this long. */
  requestTimeoutMs: positiveMs.default(300_000),
});

export const configSchema = z.strictObject({
  gateway: gatewaySchema,
  rbac: rbacSchema,
  approvals: approvalsSchema,
  tools: toolsSchema,
  agents: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "agent ids are 1-64 of A-Z a-z 0-9 _ -"), agentSchema).prefault({ main: {} }),
  models: z.record(z.string(), modelSchema).default({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type AgentConfig = z.output<typeof agentSchema>;
export type ModelApiId = (typeof MODEL_APIS)[number];

/** The `api` a provider uses: its explicit `api`, else the default for the well-known ids, else undefined. */
export function modelApiOf(id: string, m: Pick<ModelConfig, "api">): ModelApiId | undefined {
  if (m.api) return m.api;
  if (id === "anthropic") return "anthropic-messages";
  if (id === "openai") return "openai-completions";
  return undefined;
}

/** Splits "provider/model" at the first "/" (model names such as `meta-llama/Llama-3` keep theirs). */
export function parseModelRef(ref: string): { provider: string; model: string } | undefined {
  const i = ref.indexOf("/");
  if (i <= 0 || i === ref.length - 1) return undefined;
  return { provider: ref.slice(0, i), model: ref.slice(i + 1) };
}

/** Key paths whose values are secrets: never printed, logged, or named with their value. */
export const SECRET_PATH_PATTERNS: readonly RegExp[] = [
  /^gateway\.auth\.token$/,
  /^gateway\.auth\.password$/,
  /^gateway\.auth\.users\[\d+\]\.(token|password)$/,
  /^models\.[^.]+\.apiKey$/,
  /^models\["[^"]*"\]\.apiKey$/,
];

export function isSecretPath(path: string): boolean {
  return SECRET_PATH_PATTERNS.some((re) => re.test(path));
}
