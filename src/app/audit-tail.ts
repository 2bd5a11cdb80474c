/**
 * Live tail of the audit log for subscribed admin connections (`audit.tail`).
 * After each append this process makes, the bytes added to the file are read
 * and each whole line is sent as `audit.appended` — the line exactly as
 * stored (hash chain included). Reads coalesce: one read runs at a time and
 * covers every append made meanwhile. Nothing is read while nobody listens.
 */
import fsp from "node:fs/promises";

/** Longest line sent live; a longer one is announced by its size only (query it instead). */
const MAX_LIVE_LINE = 256 * 1024;

export class AuditTail {
  private offset = -1;
  private reading: Promise<void> | undefined;
  private again = false;
  private readonly subscribers = new Set<string>();

  constructor(
    private readonly path: string,
    /** Sends to one connection if it is still open and still admin; false when it is gone. */
    private readonly send: (connId: string, record: unknown) => boolean,
    private readonly onError: (e: unknown) => void,
  ) {}

  async subscribe(connId: string): Promise<void> {
    if (this.subscribers.size === 0) this.offset = await this.size();
    this.subscribers.add(connId);
  }

  unsubscribe(connId: string): void {
    this.subscribers.delete(connId);
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  /** Called after each append resolved. */
  poke(): void {
    if (this.subscribers.size === 0) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch(this.onError)
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Resolves when no read is running (tests). */
  async idle(): Promise<void> {
    while (this.reading) await this.reading;
  }

  private async size(): Promise<number> {
    try {
      return (await fsp.stat(this.path)).size;
    } catch {
      return 0;
    }
  }

  private async readNew(): Promise<void> {
    const size = await this.size();
    // Retention rewrote the file: continue from its new end.
    if (this.offset < 0 || size < this.offset) this.offset = size;
    if (size === this.offset) return;
    const fh = await fsp.open(this.path, "r");
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      const text = buf.subarray(0, bytesRead);
      const end = text.lastIndexOf(0x0a);
      if (end < 0) return;
      this.offset += end + 1;
      for (const line of text.subarray(0, end).toString("utf8").split("\n")) {
        if (line === "") continue;
        let record: unknown;
        if (line.length > MAX_LIVE_LINE) record = { truncated: true, bytes: Buffer.byteLength(line) };
        else
          try {
            record = JSON.parse(line);
          } catch {
            continue;
          }
        for (const id of [...this.subscribers]) if (!this.send(id, record)) this.subscribers.delete(id);
      }
    } finally {
      await fh.close();
    }
  }
}
