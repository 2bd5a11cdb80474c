export type Ending = "decided" | "expired" | "cancelled";

/** How recently finished requests ended, bounded: the oldest are forgotten first. */
export class RecentOutcomes {
  private readonly endings = new Map<string, Ending>();
  constructor(private readonly limit: number) {}

  remember(id: string, ending: Ending): void {
    this.endings.set(id, ending);
    if (this.endings.size > this.limit) {
      const oldest = this.endings.keys().next();
      if (!oldest.done) this.endings.delete(oldest.value);
    }
  }

  get(id: string): Ending | undefined {
    return this.endings.get(id);
  }
}
