/** PATH inside the sandbox and for host-policy commands. */
export const SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The whole environment a command gets: built from nothing, never copied from
 * the gateway's own environment (which holds tokens and passwords).
 */
export function minimalEnv(home: string): Record<string, string> {
  return { PATH: SAFE_PATH, HOME: home, LANG: "C.UTF-8", TERM: "dumb" };
}
