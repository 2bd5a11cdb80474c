/**
 * The on-disk format of the pairing store: `<dir>/paired.json` and
 * `<dir>/pending.json` (files 0600, dir 0700), their zod schemas, and
 * loading/writing them. A file that does not match its schema is refused.
 */
import { chmod } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { ensurePrivateDir, readJsonFile, writeFileAtomic } from "../store/atomic-file.js";

export const PAIRED_FILE = "paired.json";
export const PENDING_FILE = "pending.json";
/** Longest text field (ids, client names, addresses) accepted or stored. */
export const MAX_TEXT = 256;

export interface PendingRequest {
  requestId: string;
  deviceId: string;
  publicKey: string;
  clientId: string;
  clientMode: string;
  platform?: string;
  remoteIp: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/** A paired device as shown to operators and callers: never the token hash. */
export interface PairedDeviceView {
  deviceId: string;
  publicKey: string;
  /** The principal the device acts as (bound at approval). */
  principal: string;
  clientId: string;
  clientMode: string;
  platform?: string;
  approvedAtMs: number;
  tokenIssuedAtMs: number;
}

/** A paired device as persisted: the view plus the SHA-256 (hex) of its token. */
export interface PairedRecord extends PairedDeviceView {
  tokenHash: string;
}

const text = z.string().min(1).max(MAX_TEXT);
const deviceIdSchema = z.string().regex(/^[0-9a-f]{64}$/);
const pendingSchema = z
  .object({
    requestId: z.uuid(),
    deviceId: deviceIdSchema,
    publicKey: text,
    clientId: text,
    clientMode: text,
    platform: text.optional(),
    remoteIp: z.string().max(MAX_TEXT),
    createdAtMs: z.number().int(),
    expiresAtMs: z.number().int(),
  })
  .strict();
const pairedSchema = z
  .object({
    deviceId: deviceIdSchema,
    publicKey: text,
    principal: text,
    clientId: text,
    clientMode: text,
    platform: text.optional(),
    approvedAtMs: z.number().int(),
    tokenIssuedAtMs: z.number().int(),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
const pendingFileSchema = z.object({ version: z.literal(1), requests: z.array(pendingSchema) }).strict();
const pairedFileSchema = z.object({ version: z.literal(1), devices: z.array(pairedSchema) }).strict();

function describeIssues(file: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return `${file} is not a valid pairing file: ${issues.join("; ")}`;
}

async function loadFile<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S> | undefined> {
  let raw: unknown;
  try {
    raw = await readJsonFile<unknown>(file);
  } catch (err) {
    throw new GatewayError("INTERNAL", `${file} cannot be read as JSON`, { cause: err });
  }
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new GatewayError("INTERNAL", describeIssues(file, parsed.error));
  await chmod(file, 0o600); // tighten a file someone loosened by hand
  return parsed.data;
}

/**
 * Creates `dir` (0700) if needed and reads both files, as written (a missing
 * file is empty). Throws INTERNAL on a file that is not valid JSON or not valid.
 */
export async function readPairingFiles(dir: string): Promise<{ devices: PairedRecord[]; requests: PendingRequest[] }> {
  await ensurePrivateDir(dir);
  const pairedFile = await loadFile(path.join(dir, PAIRED_FILE), pairedFileSchema);
  const pendingFile = await loadFile(path.join(dir, PENDING_FILE), pendingFileSchema);
  return { devices: pairedFile?.devices ?? [], requests: pendingFile?.requests ?? [] };
}

/** Atomically replaces `<dir>/paired.json` with `devices`. */
export async function writePairedFile(dir: string, devices: Iterable<PairedRecord>): Promise<void> {
  const body = { version: 1, devices: [...devices] };
  await writeFileAtomic(path.join(dir, PAIRED_FILE), `${JSON.stringify(body, null, 2)}\n`, 0o600);
}

/** Atomically replaces `<dir>/pending.json` with `requests`. */
export async function writePendingFile(dir: string, requests: Iterable<PendingRequest>): Promise<void> {
  const body = { version: 1, requests: [...requests] };
  await writeFileAtomic(path.join(dir, PENDING_FILE), `${JSON.stringify(body, null, 2)}\n`, 0o600);
}
