/**
 * Caps on commands running at once (config `tools.exec.maxConcurrent` and
 * `maxConcurrentPerPrincipal`). A slot is taken just before a command starts
 * and released when it ends, whatever the outcome; `release()` is idempotent.
 * A command over either cap is refused, not queued (docs/sandbox.md).
 * The caps are passed at each acquire, so a config reload applies to the next
 * command; commands already running keep their slots.
 */
export interface CommandCaps {
  maxConcurrent: number;
  maxConcurrentPerPrincipal: number;
}

export type SlotRefusal = { scope: "gateway"; limit: number } | { scope: "principal"; limit: number };

export type SlotResult = { ok: true; release(): void } | { ok: false; refusal: SlotRefusal };

export interface CommandSlots {
  acquire(principalId: string, caps: CommandCaps): SlotResult;
  running(): { total: number; principals: number };
}

export function createCommandSlots(): CommandSlots {
  let total = 0;
  const perPrincipal = new Map<string, number>();
  return {
    acquire(principalId, caps) {
      const mine = perPrincipal.get(principalId) ?? 0;
      if (mine >= caps.maxConcurrentPerPrincipal) return { ok: false, refusal: { scope: "principal", limit: caps.maxConcurrentPerPrincipal } };
      if (total >= caps.maxConcurrent) return { ok: false, refusal: { scope: "gateway", limit: caps.maxConcurrent } };
      total++;
      perPrincipal.set(principalId, mine + 1);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          total--;
          const left = (perPrincipal.get(principalId) ?? 1) - 1;
          if (left === 0) perPrincipal.delete(principalId);
          else perPrincipal.set(principalId, left);
        },
      };
    },
    running: () => ({ total, principals: perPrincipal.size }),
  };
}
