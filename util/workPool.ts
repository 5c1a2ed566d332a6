/**
 * Timed work, one item per key, at most `limit` items at once: an item whose key still runs (a
 * slow chat, say) is skipped until it settles, and it never holds up the other keys. Errors stay
 * with their item (`onError`), so one failing channel stops nothing else.
 */
export class KeyedWorkPool {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly onError: (err: unknown, key: string) => void,
  ) {}

  /** True while `key`'s item runs. */
  has(key: string): boolean {
    return this.running.has(key);
  }

  /**
   * Starts `work` for `key`, unless an item of that key still runs or the pool is full (then it is
   * for a later tick: `undefined`). The promise settles with the item and never rejects.
   */
  start(key: string, work: () => Promise<void>): Promise<void> | undefined {
    if (this.running.has(key) || this.running.size >= this.limit) return undefined;
    const item = (async () => {
      try {
        await work();
      } catch (err) {
        this.onError(err, key);
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, item);
    return item;
  }

  /** Resolves once every item started so far has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
