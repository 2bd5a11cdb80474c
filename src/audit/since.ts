import { GatewayError } from "../core/errors.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_RE = /^(\d{1,9})([smhdw])$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since`: a duration back from `now` (`90s`, `30m`, `1h`, `2d`, `1w`) or an
 * ISO 8601 time (a date-time without zone is read as UTC).
 */
export function parseSince(value: string, now: number | Date): Date {
  const nowMs = typeof now === "number" ? now : now.getTime();
  const v = value.trim();
  const dur = DURATION_RE.exec(v);
  if (dur) {
    const [, amount, unit] = dur;
    return new Date(nowMs - Number(amount) * (UNIT_MS[unit as string] as number));
  }
  if (ISO_RE.test(v)) {
    const iso = v.replace(" ", "T");
    const needsZone = iso.includes("T") && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(iso);
    const ms = Date.parse(needsZone ? `${iso}Z` : iso);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  throw new GatewayError(
    "INVALID_REQUEST",
    `invalid --since "${shown}": use a duration (90s, 30m, 1h, 2d, 1w) or an ISO 8601 time (2024-01-15T10:30:00Z)`,
  );
}
