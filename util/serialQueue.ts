/**
 * Runs tasks one after another per key, and tasks of different keys concurrently.
 *
 * Turns of one conversation must never interleave (a customer's turn and a proactive event
 * turn would otherwise overwrite each other's saved state), so every turn — inbound or
 * proactive — goes through `run(conversationId, task)`. Memory stays proportional to the
 * number of keys with work in flight: an idle key holds nothing.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with a task queued or running. */
  get activeKeys(): number {
    return this.tails.size;
  }

  /** Resolves once every task queued so far has settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) {
      await Promise.all([...this.tails.values()]);
    }
  }
}
