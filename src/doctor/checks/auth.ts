/**
 * Authentication: on, strong secrets, secrets from the environment, tokens rotated.
 * Guide: "Enable gateway authentication", "Remove default/test credentials",
 * "Rotate gateway tokens quarterly", "Secrets Management".
 * No finding ever contains a secret value: only key paths, file paths and lengths' verdicts.
 */
import { GATEWAY_TOKEN_META_FILE, credentialsDir, gatewayTokenPath, readGatewayToken, readGatewayTokenMeta } from "../../auth/credentials.js";
import path from "node:path";
import { literalSecretPaths } from "../literal-secrets.js";
import { skippedForInvalidConfig } from "../skipped.js";
import type { DoctorContext, Finding } from "../types.js";
import { describeWeakReason, weakSecretReason } from "../weak-secret.js";

export const TOKEN_MIN_LENGTH = 16;
export const TOKEN_GOOD_LENGTH = 32;
export const PASSWORD_GOOD_LENGTH = 12;
export const TOKEN_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

const GENERATE = "generate one with `openssl rand -base64 32` (or `clawdbot token rotate`) and pass it as ${GATEWAY_TOKEN}";

export async function authCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) return [skippedForInvalidConfig("auth")];
  const { config } = ctx.loaded;
  const auth = config.gateway.auth;
  const out: Finding[] = [];

  out.push(
    auth.mode === "none"
      ? {
          check: "auth",
          id: "auth.mode",
          status: "fail",
          subject: "gateway.auth.mode",
          message: 'authentication is off (mode "none"): anyone who reaches the port controls the agents',
          fix: "set gateway.auth.mode: token and gateway.auth.token: ${GATEWAY_TOKEN}",
        }
      : { check: "auth", id: "auth.mode", status: "pass", subject: "gateway.auth.mode", message: `authentication is on (mode "${auth.mode}")` },
  );

  if (auth.token !== undefined) out.push(tokenFinding("gateway.auth.token", auth.token));
  if (auth.password !== undefined) out.push(passwordFinding("gateway.auth.password", auth.password));
  auth.users.forEach((u, i) => {
    if ("token" in u) out.push(tokenFinding(`gateway.auth.users[${i}].token`, u.token));
    else out.push(passwordFinding(`gateway.auth.users[${i}].password`, u.password));
  });

  if (auth.mode === "token" && auth.token === undefined) out.push(...(await tokenFileFindings(ctx)));

  if (ctx.loaded.file !== undefined) {
    // Model keys are judged by the models check when it runs (checks/models.ts).
    const modelsJudged = ctx.checks.includes("models");
    const literal = literalSecretPaths(ctx.loaded).filter((p) => !(modelsJudged && p.startsWith("models.")));
    for (const p of literal) {
      out.push({
        check: "auth",
        id: "auth.literal-secret",
        status: "warn",
        subject: p,
        message: `a secret is written literally in ${ctx.loaded.file}`,
        fix: `replace the value with \${ENV_NAME} and set ENV_NAME in the gateway's environment`,
      });
    }
    if (literal.length === 0) {
      out.push({ check: "auth", id: "auth.literal-secret", status: "pass", subject: ctx.loaded.file, message: modelsJudged ? "every gateway secret in the config comes from the environment (model keys: see the models check)" : "every secret in the config comes from the environment" });
    }
  }
  return out;
}

/** Strength of a token: < 16 chars fail, weak fail, < 32 warn. */
export function tokenFinding(subject: string, token: string): Finding {
  const weak = weakSecretReason(token);
  if (weak) return { check: "auth", id: "auth.weak-secret", status: "fail", subject, message: `the token ${describeWeakReason(weak)}`, fix: GENERATE };
  if (token.length < TOKEN_MIN_LENGTH)
    return { check: "auth", id: "auth.token-length", status: "fail", subject, message: `the token is shorter than ${TOKEN_MIN_LENGTH} characters`, fix: GENERATE };
  if (token.length < TOKEN_GOOD_LENGTH)
    return { check: "auth", id: "auth.token-length", status: "warn", subject, message: `the token is shorter than ${TOKEN_GOOD_LENGTH} characters`, fix: GENERATE };
  return { check: "auth", id: "auth.token-length", status: "pass", subject, message: "the token is long and not a known weak value" };
}

/** Strength of a password: weak fail, < 12 chars warn. */
export function passwordFinding(subject: string, password: string): Finding {
  const weak = weakSecretReason(password);
  const fix = "choose a long passphrase (12+ characters, not a default) and pass it as ${GATEWAY_PASSWORD}";
  if (weak) return { check: "auth", id: "auth.weak-secret", status: "fail", subject, message: `the password ${describeWeakReason(weak)}`, fix };
  if (password.length < PASSWORD_GOOD_LENGTH)
    return { check: "auth", id: "auth.password-length", status: "warn", subject, message: `the password is shorter than ${PASSWORD_GOOD_LENGTH} characters`, fix };
  return { check: "auth", id: "auth.password-length", status: "pass", subject, message: "the password is long and not a known weak value" };
}

/** The generated token in `credentials/gateway-token` (used when mode is token and none is configured). */
async function tokenFileFindings(ctx: DoctorContext): Promise<Finding[]> {
  const file = gatewayTokenPath(ctx.stateDir);
  let token: string | undefined;
  try {
    token = await readGatewayToken(ctx.stateDir);
  } catch (e) {
    return [
      {
        check: "auth",
        id: "auth.token-file",
        status: "fail",
        subject: file,
        message: `the gateway token file cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        fix: `check its owner and mode, or replace it with clawdbot token rotate`,
      },
    ];
  }
  if (token === undefined) {
    return [
      {
        check: "auth",
        id: "auth.token-file",
        status: "warn",
        subject: file,
        message: "no gateway token yet: the gateway generates one (0600) on first start",
        fix: "start the gateway once, or set gateway.auth.token: ${GATEWAY_TOKEN}",
      },
    ];
  }
  const out: Finding[] = [tokenFinding(file, token)];
  const metaFile = path.join(credentialsDir(ctx.stateDir), GATEWAY_TOKEN_META_FILE);
  const meta = await readGatewayTokenMeta(ctx.stateDir);
  if (meta === undefined) {
    out.push({
      check: "auth",
      id: "auth.token-age",
      status: "warn",
      subject: metaFile,
      message: "the token's issue date is unknown, so its age cannot be checked",
      fix: "rotate quarterly: clawdbot token rotate (records the issue date)",
    });
    return out;
  }
  const days = Math.floor((ctx.now - meta.issuedAtMs) / DAY_MS);
  out.push(
    days > TOKEN_MAX_AGE_DAYS
      ? {
          check: "auth",
          id: "auth.token-age",
          status: "warn",
          subject: file,
          message: `the gateway token is ${days} days old (more than ${TOKEN_MAX_AGE_DAYS})`,
          fix: "rotate quarterly: clawdbot token rotate",
        }
      : { check: "auth", id: "auth.token-age", status: "pass", subject: file, message: `the gateway token was issued ${Math.max(days, 0)} days ago` },
  );
  return out;
}
