/**
 * The gateway's own credential files under `<state>/credentials/` (dir 0700,
 * files 0600). The generated default token lives in `gateway-token`; when it was
 * issued lives beside it in `gateway-token.meta.json`, so doctor can warn when a
 * token is older than the guide's quarterly rotation.
 */
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../store/atomic-file.js";

export const GATEWAY_TOKEN_FILE = "gateway-token";
export const GATEWAY_TOKEN_META_FILE = "gateway-token.meta.json";

/** 32 random bytes, base64 — what `openssl rand -base64 32` prints. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString("base64");
}

/**
 * A device token: 32 random bytes, base64url. Redrawn while it would begin with "-" (about 1 in 64),
 * so no generated token can look like a command-line flag (the CLI accepts one anyway, see src/cli/args.ts).
 */
export function generateDeviceToken(random: (n: number) => Buffer = crypto.randomBytes): string {
  for (;;) {
    const t = random(32).toString("base64url");
    if (!t.startsWith("-")) return t;
  }
}

export interface TokenMeta {
  issuedAtMs: number;
  rotatedFromPrevious: boolean;
}

export function credentialsDir(stateDir: string): string {
  return path.join(stateDir, "credentials");
}

export function gatewayTokenPath(stateDir: string): string {
  return path.join(credentialsDir(stateDir), GATEWAY_TOKEN_FILE);
}

export async function readGatewayToken(stateDir: string): Promise<string | undefined> {
  try {
    const t = (await fs.readFile(gatewayTokenPath(stateDir), "utf8")).trim();
    return t === "" ? undefined : t;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export async function readGatewayTokenMeta(stateDir: string): Promise<TokenMeta | undefined> {
  try {
    const raw = JSON.parse(await fs.readFile(path.join(credentialsDir(stateDir), GATEWAY_TOKEN_META_FILE), "utf8")) as unknown;
    if (raw && typeof raw === "object" && typeof (raw as TokenMeta).issuedAtMs === "number") return raw as TokenMeta;
    return undefined;
  } catch {
    return undefined;
  }
}

async function writeToken(stateDir: string, token: string, rotated: boolean, now: number): Promise<void> {
  const dir = credentialsDir(stateDir);
  await ensurePrivateDir(stateDir);
  await ensurePrivateDir(dir);
  const meta: TokenMeta = { issuedAtMs: now, rotatedFromPrevious: rotated };
  await writeFileAtomic(path.join(dir, GATEWAY_TOKEN_FILE), `${token}\n`, 0o600);
  await writeFileAtomic(path.join(dir, GATEWAY_TOKEN_META_FILE), `${JSON.stringify(meta)}\n`, 0o600);
}

/** Returns the stored gateway token, generating and storing one (0600) if there is none. */
export async function ensureGatewayToken(
  stateDir: string,
  now = Date.now(),
): Promise<{ token: string; created: boolean; path: string }> {
  const existing = await readGatewayToken(stateDir);
  if (existing) return { token: existing, created: false, path: gatewayTokenPath(stateDir) };
  const token = generateToken();
  await writeToken(stateDir, token, false, now);
  return { token, created: true, path: gatewayTokenPath(stateDir) };
}

/** Replaces the stored gateway token; a running gateway watches the file and stops accepting the old one. */
export async function rotateGatewayToken(stateDir: string, now = Date.now()): Promise<{ path: string; issuedAtMs: number }> {
  await writeToken(stateDir, generateToken(), true, now);
  return { path: gatewayTokenPath(stateDir), issuedAtMs: now };
}
