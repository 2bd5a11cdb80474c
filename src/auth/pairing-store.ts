/**
 * Device pairing: pending requests, approved devices and their device tokens,
 * persisted in `<dir>/paired.json` and `<dir>/pending.json` (files 0600, dir 0700;
 * the format and its file I/O are in pairing-files.ts).
 *
 * Decisions (see docs/identities.md):
 * - A device token is 32 random bytes, base64url. Only its SHA-256 (hex) is
 *   stored; a presented token is hashed and compared in constant time.
 * - `requestPairing` is idempotent per device while a request is pending: the
 *   same requestId comes back, its expiry is pushed out by `pendingTtlMs` and
 *   the descriptive fields (client, platform, address) follow the latest attempt.
 * - The pending queue is bounded by `maxPending`; when full, NEW devices are
 *   refused with RATE_LIMITED (retryAfterMs = until the oldest expires). Requests
 *   already queued are never silently evicted by a flood.
 * - Every mutation runs exclusively (one at a time) and commits to memory only
 *   after the files are written, so concurrent approve/revoke never lose an
 *   update and memory always equals disk.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { generateDeviceToken } from "./credentials.js";
import { GatewayError } from "../core/errors.js";
import { systemClock } from "../core/clock.js";
import type { Clock } from "../core/clock.js";
import { decodeBase64Url } from "./device-identity.js";
import { PAIRED_FILE, readPairingFiles, writePairedFile, writePendingFile } from "./pairing-files.js";
import { checkDeviceKey, checkText, newPairing, sha256Hex, toView } from "./pairing-records.js";
import type { PairedDeviceView, PairedRecord, PendingRequest } from "./pairing-files.js";

export { PAIRED_FILE, PENDING_FILE } from "./pairing-files.js";
export type { PairedDeviceView, PendingRequest } from "./pairing-files.js";

export const DEFAULT_PENDING_TTL_MS = 5 * 60_000;
export const DEFAULT_MAX_PENDING = 100;
export const DEFAULT_MAX_PENDING_PER_ADDRESS = 3;
const MAX_PRESENTED_TOKEN = 512;
/** Compared against when the device is unknown, so both paths do the same work. */
const NO_DEVICE_HASH = "0".repeat(64);

export interface PairingStoreOptions {
  clock?: Clock;
  /** How long a pending request lives without a retry. Default 5 min. */
  pendingTtlMs?: number;
  /** Most pending requests at once. Default 100. */
  maxPending?: number;
  /** Most pending requests from one address key at once. Default 3. */
  maxPendingPerAddress?: number;
  /** The key a request's `remoteIp` counts under (the gateway passes its per-address limit key). Default: the address. */
  addressKeyOf?: (remoteIp: string) => string;
}

/** What a device asking to pair tells the store: a pending request without the store's own fields. */
export type PairingRequestInput = Omit<PendingRequest, "requestId" | "createdAtMs" | "expiresAtMs">;

/** Constant-time comparison of two base64url public keys by their bytes. */
export function isSamePublicKey(a: string, b: string): boolean {
  const ra = decodeBase64Url(a);
  const rb = decodeBase64Url(b);
  if (ra === undefined || rb === undefined || ra.length !== rb.length) return false;
  return timingSafeEqual(ra, rb);
}

export class PairingStore {
  private pending = new Map<string, PendingRequest>();
  private paired = new Map<string, PairedRecord>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private readonly pendingTtlMs: number;
  private readonly maxPending: number;
  private readonly maxPendingPerAddress: number;
  private readonly addressKeyOf: (remoteIp: string) => string;

  private constructor(
    private readonly dir: string,
    opts: PairingStoreOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.pendingTtlMs = opts.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
    this.maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
    this.maxPendingPerAddress = opts.maxPendingPerAddress ?? DEFAULT_MAX_PENDING_PER_ADDRESS;
    this.addressKeyOf = opts.addressKeyOf ?? ((ip) => ip);
    const count = (n: number): boolean => Number.isInteger(n) && n >= 1;
    if (!(this.pendingTtlMs > 0) || !count(this.maxPending) || !count(this.maxPendingPerAddress)) {
      throw new GatewayError("INVALID_REQUEST", "pendingTtlMs must be > 0 and maxPending, maxPendingPerAddress positive integers");
    }
  }

  /** Opens (creating if needed) the store in `dir`; refuses to start on a corrupt file. */
  static async open(dir: string, opts: PairingStoreOptions = {}): Promise<PairingStore> {
    const store = new PairingStore(dir, opts);
    const files = await readPairingFiles(dir);
    for (const d of files.devices) {
      if (store.paired.has(d.deviceId)) {
        throw new GatewayError("INTERNAL", `${PAIRED_FILE} lists device ${d.deviceId} twice`);
      }
      store.paired.set(d.deviceId, d);
    }
    for (const r of files.requests) {
      // A request older than the device's current pairing was already approved
      // (a crash between the two file writes); it must not be approvable again.
      const p = store.paired.get(r.deviceId);
      if (p !== undefined && p.approvedAtMs >= r.createdAtMs) continue;
      store.pending.set(r.requestId, r);
    }
    return store;
  }

  /** Records (or refreshes) a pairing request for a device whose proof was verified. */
  async requestPairing(input: PairingRequestInput): Promise<PendingRequest> {
    const { deviceId, publicKey } = checkDeviceKey(input);
    const fields = {
      clientId: checkText("clientId", input.clientId),
      clientMode: checkText("clientMode", input.clientMode),
      remoteIp: checkText("remoteIp", input.remoteIp, true),
      ...(input.platform !== undefined ? { platform: checkText("platform", input.platform) } : {}),
    };
    return this.exclusive(async () => {
      const now = this.clock.now();
      const pending = this.liveEntries(now);
      const existing = [...pending.values()].find((r) => r.deviceId === deviceId);
      let request: PendingRequest;
      if (existing !== undefined) {
        const { platform: _dropped, ...rest } = existing;
        request = { ...rest, ...fields, expiresAtMs: now + this.pendingTtlMs };
      } else {
        // One address gets a share of the queue, so a few addresses cannot fill it for everyone.
        const key = this.addressKeyOf(fields.remoteIp);
        const mine = [...pending.values()].filter((r) => this.addressKeyOf(r.remoteIp) === key);
        if (mine.length >= this.maxPendingPerAddress) {
          throw new GatewayError("RATE_LIMITED", "too many pending pairing requests from this address; try again later", {
            retryAfterMs: Math.max(1, Math.min(...mine.map((r) => r.expiresAtMs)) - now),
            details: { code: "PAIRING_ADDRESS_SHARE_FULL" },
          });
        }
        if (pending.size >= this.maxPending) {
          const oldest = Math.min(...[...pending.values()].map((r) => r.expiresAtMs));
          throw new GatewayError("RATE_LIMITED", "too many pending pairing requests; try again later", {
            retryAfterMs: Math.max(1, oldest - now),
            details: { code: "PAIRING_QUEUE_FULL" },
          });
        }
        request = {
          requestId: randomUUID(),
          deviceId,
          publicKey,
          ...fields,
          createdAtMs: now,
          expiresAtMs: now + this.pendingTtlMs,
        };
      }
      pending.set(request.requestId, request);
      await this.writePending(pending);
      this.pending = pending;
      return { ...request };
    });
  }

  /** Live (unexpired) pending requests, oldest first. */
  listPending(): PendingRequest[] {
    return [...this.liveEntries(this.clock.now()).values()]
      .sort((a, b) => a.createdAtMs - b.createdAtMs)
      .map((r) => ({ ...r }));
  }

  /** Paired devices, oldest approval first; never includes token hashes. */
  listPaired(): PairedDeviceView[] {
    return [...this.paired.values()].sort((a, b) => a.approvedAtMs - b.approvedAtMs).map(toView);
  }

  getPaired(deviceId: string): PairedDeviceView | undefined {
    const r = this.paired.get(deviceId);
    return r === undefined ? undefined : toView(r);
  }

  /**
   * Approves a pending request (by request id, or by the device id that has a
   * pending request), binding the device to `principal`. Returns the device
   * token once; only its hash is kept.
   */
  async approve(
    idOrRequestId: string,
    principal: string,
  ): Promise<{ device: PairedDeviceView; deviceToken: string; requestId: string }> {
    const boundTo = checkText("principal", typeof principal === "string" ? principal.trim() : principal);
    return this.exclusive(async () => {
      const now = this.clock.now();
      const pending = this.liveEntries(now);
      const request = this.findPending(pending, idOrRequestId);
      const { record, deviceToken } = newPairing(request, boundTo, now);
      const paired = new Map(this.paired);
      paired.set(record.deviceId, record);
      pending.delete(request.requestId);
      await this.writePaired(paired);
      this.paired = paired;
      // The pairing is durable now. Dropping the request from disk is best effort:
      // on reload a request older than the pairing is discarded anyway.
      this.pending = pending;
      await this.writePending(pending).catch(() => undefined);
      return { device: toView(record), deviceToken, requestId: request.requestId };
    });
  }

  /**
   * Pairs a device at once, without a pending request (the gateway's automatic approval of a
   * device that proved its key with a valid credential on loopback). Drops any pending request
   * of the device. Returns the device token once.
   */
  async pair(input: PairingRequestInput, principal: string): Promise<{ device: PairedDeviceView; deviceToken: string }> {
    const boundTo = checkText("principal", typeof principal === "string" ? principal.trim() : principal);
    const { deviceId, publicKey } = checkDeviceKey(input);
    const device = {
      deviceId,
      publicKey,
      clientId: checkText("clientId", input.clientId),
      clientMode: checkText("clientMode", input.clientMode),
      ...(input.platform !== undefined ? { platform: checkText("platform", input.platform) } : {}),
    };
    return this.exclusive(async () => {
      const now = this.clock.now();
      const { record, deviceToken } = newPairing(device, boundTo, now);
      const paired = new Map(this.paired);
      paired.set(deviceId, record);
      await this.writePaired(paired);
      this.paired = paired;
      await this.dropPendingOf(deviceId);
      return { device: toView(record), deviceToken };
    });
  }

  /** Rejects (drops) a pending request; returns what was rejected. */
  reject(idOrRequestId: string): Promise<PendingRequest> {
    return this.exclusive(async () => {
      const pending = this.liveEntries(this.clock.now());
      const request = this.findPending(pending, idOrRequestId);
      pending.delete(request.requestId);
      await this.writePending(pending);
      this.pending = pending;
      return { ...request };
    });
  }

  /**
   * Removes a device's pairing (its token stops working at once) and any
   * pending request of that device. Resolves whether a pairing existed.
   * Closing the device's open connections is the caller's job.
   */
  revoke(deviceId: string): Promise<boolean> {
    return this.exclusive(async () => {
      const existed = this.paired.has(deviceId);
      if (existed) {
        const paired = new Map(this.paired);
        paired.delete(deviceId);
        await this.writePaired(paired);
        this.paired = paired;
      }
      await this.dropPendingOf(deviceId);
      return existed;
    });
  }

  /** Issues a new device token; the old one stops working. */
  rotate(deviceId: string): Promise<{ deviceToken: string; device: PairedDeviceView }> {
    return this.exclusive(async () => {
      const current = this.paired.get(deviceId);
      if (current === undefined) throw new GatewayError("NOT_FOUND", "device is not paired");
      const deviceToken = generateDeviceToken();
      const record: PairedRecord = { ...current, tokenHash: sha256Hex(deviceToken), tokenIssuedAtMs: this.clock.now() };
      const paired = new Map(this.paired);
      paired.set(deviceId, record);
      await this.writePaired(paired);
      this.paired = paired;
      return { deviceToken, device: toView(record) };
    });
  }

  /**
   * Checks a presented device token for a device. Returns the paired device
   * when it matches, otherwise undefined. Constant-time; never logs the token.
   */
  verifyDeviceToken(deviceId: string, presented: string): PairedDeviceView | undefined {
    if (typeof presented !== "string" || presented.length === 0 || presented.length > MAX_PRESENTED_TOKEN) {
      return undefined;
    }
    const record = typeof deviceId === "string" ? this.paired.get(deviceId) : undefined;
    const presentedHash = Buffer.from(sha256Hex(presented), "hex");
    const storedHash = Buffer.from(record?.tokenHash ?? NO_DEVICE_HASH, "hex");
    const match = timingSafeEqual(presentedHash, storedHash);
    return match && record !== undefined ? toView(record) : undefined;
  }

  /**
   * The paired device whose token this is, for a bearer that names no device:
   * the token is hashed once and compared with every stored hash in constant time.
   */
  findByToken(presented: string): PairedDeviceView | undefined {
    if (typeof presented !== "string" || presented.length === 0 || presented.length > MAX_PRESENTED_TOKEN) return undefined;
    const presentedHash = Buffer.from(sha256Hex(presented), "hex");
    let found: PairedRecord | undefined;
    for (const record of this.paired.values()) {
      if (timingSafeEqual(presentedHash, Buffer.from(record.tokenHash, "hex")) && found === undefined) found = record;
    }
    return found === undefined ? undefined : toView(found);
  }

  /** Drops expired pending requests from disk; resolves how many were dropped. */
  pruneExpired(): Promise<number> {
    return this.exclusive(async () => {
      const live = this.liveEntries(this.clock.now());
      const dropped = this.pending.size - live.size;
      if (dropped > 0) {
        await this.writePending(live);
        this.pending = live;
      }
      return dropped;
    });
  }

  /** Resolves once every mutation queued so far has been written. */
  async flush(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Drops a device's pending requests (best effort, as in approve: a request older than its pairing is discarded on open). */
  private async dropPendingOf(deviceId: string): Promise<void> {
    const pending = this.liveEntries(this.clock.now());
    const stale = [...pending.values()].filter((r) => r.deviceId === deviceId);
    if (stale.length === 0) return;
    for (const r of stale) pending.delete(r.requestId);
    this.pending = pending;
    await this.writePending(pending).catch(() => undefined);
  }

  private liveEntries(now: number): Map<string, PendingRequest> {
    const live = new Map<string, PendingRequest>();
    for (const [id, r] of this.pending) if (r.expiresAtMs > now) live.set(id, r);
    return live;
  }

  private findPending(pending: Map<string, PendingRequest>, idOrRequestId: string): PendingRequest {
    if (typeof idOrRequestId !== "string" || idOrRequestId.length === 0) {
      throw new GatewayError("INVALID_REQUEST", "a request id or device id is required");
    }
    const byRequest = pending.get(idOrRequestId);
    if (byRequest !== undefined) return byRequest;
    const byDevice = [...pending.values()].find((r) => r.deviceId === idOrRequestId);
    if (byDevice !== undefined) return byDevice;
    throw new GatewayError("NOT_FOUND", "no pending pairing request matches that id (it may have expired)");
  }

  private async writePaired(paired: Map<string, PairedRecord>): Promise<void> {
    await writePairedFile(this.dir, paired.values());
  }

  private async writePending(pending: Map<string, PendingRequest>): Promise<void> {
    await writePendingFile(this.dir, pending.values());
  }
}
