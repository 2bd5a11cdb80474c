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
  })
  .prefault({});

const pairingSchema = z
  .strictObject({
    maxAttempts: z.number().int().positive().default(10),
    windowMs: positiveMs.default(60_000),
    backoffBaseMs: positiveMs.default(1_000),
    backoffMaxMs: positiveMs.default(300_000),
    pendingTtlMs: positiveMs.default(300_000),
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
    /** Requests one WebSocket connection may have in flight (a tool run, an approval wait). */
    maxInflightPerConnection: z.number().int().positive().default(32),
  })
  .prefault({});

const tailscaleSchema = z
  .strictObject({
    binary: nonEmpty.default("tailscale"),
    cacheTtlMs: positiveMs.default(60_000),
    timeoutMs: positiveMs.default(5_000),
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
    /** What `read` returns for a binary file: only its size, or its bytes base64-encoded (capped at maxReadBytes). */
    binaryFiles: z.enum(["omit", "base64"]).default("omit"),
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
});

const modelSchema = z.strictObject({
  apiKey: nonEmpty.optional(),
  baseUrl: z.url().optional(),
  model: nonEmpty.optional(),
});

export const configSchema = z.strictObject({
  gateway: gatewaySchema,
  rbac: rbacSchema,
  approvals: approvalsSchema,
  tools: toolsSchema,
  agents: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "agent ids are 1-64 of A-Z a-z 0-9 _ -"), agentSchema).default({ main: {} }),
  models: z.record(z.string(), modelSchema).default({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;

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
