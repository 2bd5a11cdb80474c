/**
 * Watching the config and credential files for changes, and deciding when a
 * change is finished. A change is applied only once the files have gone
 * `settleMs` without a file event and then read the same (sha256) twice,
 * `settleMs` apart, with no event in between; the reload then checks that the
 * text it loaded is the text that was stable. Symlinks are followed: every
 * link on the way to the real file (a `config.yaml` link, a Kubernetes
 * ConfigMap's `..data` directory link) and the real file's own directory are
 * watched, and the set is rebuilt after each event, so both an in-place edit
 * of the target and a link swap are seen.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "./logger.js";

/** Timers, injectable so tests can drive the settle logic deterministically. */
export interface WatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: WatchTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** sha256 of a file's text as the loader reads it ("missing" when it cannot be read). */
export function contentHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file, "utf8"));
  } catch {
    return "missing";
  }
}

export function textHash(text: string): string {
  return sha256(text);
}

/**
 * The settle state machine: `poke()` on every file event; `onStable(key)` once
 * the content read by `read()` stayed the same over two quiet periods.
 */
export class SettleTracker {
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly o: {
      timers: WatchTimers;
      settleMs: () => number;
      read: () => string;
      onStable: (key: string) => void;
    },
  ) {}

  poke(): void {
    if (this.closed) return;
    this.arm(() => this.check(undefined));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
  }

  private arm(fn: () => void): void {
    if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
    this.timer = this.o.timers.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, this.o.settleMs());
  }

  private check(previous: string | undefined): void {
    const key = this.o.read();
    if (key === previous) this.o.onStable(key);
    else this.arm(() => this.check(key));
  }
}

/** Every (directory, name) whose change can change what `file` resolves to or contains. */
export function watchPoints(file: string): { dir: string; name: string }[] {
  const out = new Map<string, { dir: string; name: string }>();
  const add = (p: string): void => {
    const dir = path.dirname(p);
    out.set(`${dir}\u0000${path.basename(p)}`, { dir, name: path.basename(p) });
  };
  let cur = path.resolve(file);
  add(cur);
  for (let hops = 0; hops < 40; hops++) {
    const parts = cur.split(path.sep).filter(Boolean);
    let prefix = path.parse(cur).root;
    let next: string | undefined;
    for (let i = 0; i < parts.length && next === undefined; i++) {
      const here = path.join(prefix, parts[i] as string);
      let link: string | undefined;
      try {
        if (fs.lstatSync(here).isSymbolicLink()) link = fs.readlinkSync(here);
      } catch {
        return [...out.values()];
      }
      if (link !== undefined) {
        add(here);
        next = path.join(path.resolve(prefix, link), ...parts.slice(i + 1));
      }
      prefix = here;
    }
    if (next === undefined) break;
    cur = next;
  }
  add(cur); // the real file: in-place edits of the target
  return [...out.values()];
}

export interface FileWatch {
  close(): void;
}

/** Watches `files` (following symlinks) and calls `onStable(configHash)` when a change has settled. */
export function watchFiles(o: {
  files: string[];
  settleMs: () => number;
  onStable: (configHash: string) => void;
  log: Logger;
  timers?: WatchTimers;
}): FileWatch {
  const watchers = new Map<string, { w: fs.FSWatcher; names: Set<string> }>();
  const warned = new Set<string>();
  const [configFile] = o.files;
  const tracker = new SettleTracker({
    timers: o.timers ?? realTimers,
    settleMs: o.settleMs,
    read: () => o.files.map(contentHash).join(","),
    onStable: () => {
      rewatch();
      o.onStable(configFile ? contentHash(configFile) : "missing");
    },
  });
  const rewatch = (): void => {
    const wanted = new Map<string, Set<string>>();
    for (const f of o.files) {
      for (const { dir, name } of watchPoints(f)) {
        const names = wanted.get(dir) ?? new Set<string>();
        names.add(name);
        wanted.set(dir, names);
      }
    }
    for (const [dir, entry] of watchers) {
      if (!wanted.has(dir)) {
        entry.w.close();
        watchers.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const have = watchers.get(dir);
      if (have) {
        have.names = names;
        continue;
      }
      try {
        const entry = { w: undefined as unknown as fs.FSWatcher, names };
        entry.w = fs.watch(dir, { persistent: false }, (_ev, name) => {
          if (name === null || entry.names.has(String(name))) {
            rewatch();
            tracker.poke();
          }
        });
        entry.w.on("error", () => {
          entry.w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, entry);
      } catch {
        if (!warned.has(dir) && fs.existsSync(dir)) o.log.warn(`cannot watch ${dir}; config changes need a restart`);
        warned.add(dir);
      }
    }
  };
  rewatch();
  return {
    close: () => {
      tracker.close();
      for (const { w } of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
