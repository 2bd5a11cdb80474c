/**
 * Where the sign-in secret lives: sessionStorage only (gone when the tab
 * closes, never sent anywhere but the page's own WebSocket). A `#token=` link
 * is read once and removed from the address bar before anything else runs.
 */
import type { Secret } from "./socket";

const KEY = "clawdbot.auth";

/**
 * Moves a `#token=…` fragment into sessionStorage and strips it from the address bar and history entry.
 * Returns the secret it saved, if any.
 */
export function takeFragmentToken(): Secret | undefined {
  const hash = location.hash;
  if (!hash.startsWith("#")) return undefined;
  const params = new URLSearchParams(hash.slice(1));
  const token = params.get("token");
  if (token === null) return undefined;
  history.replaceState(null, "", location.pathname + location.search);
  if (token === "") return undefined;
  const secret: Secret = { kind: "token", value: token };
  saveSecret(secret);
  return secret;
}

export function loadSecret(): Secret | undefined {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Secret | null;
    if (v && (v.kind === "token" || v.kind === "password") && typeof v.value === "string" && v.value !== "") return v;
  } catch {
    // A damaged entry is ignored (the form asks again).
  }
  return undefined;
}

export function saveSecret(s: Secret): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSecret(): void {
  sessionStorage.removeItem(KEY);
}
