/**
 * The durable position of a topic's subscription: the replay id of the last event whose
 * effects are stored (and of every event before it), kept in the bot's Storage so a restart
 * resumes where processing stopped, not where the stream happened to be.
 *
 * Writes are coalesced: while one is in flight only the newest position waits behind it.
 */
import type { Log } from '../cowork/log';
import type { KeyValueStorage } from '../cowork/ports';

export class ReplayCheckpoint {
  readonly key: string;
  private wanted: string | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly storage: KeyValueStorage,
    readonly topic: string,
    private readonly log: Log,
  ) {
    // Storage keys avoid '/' (Cosmos DB refuses it in ids, blob storage treats it as a folder).
    this.key = `salesforce-replay-id:${topic.replace(/[^A-Za-z0-9_]/g, '_')}`;
  }

  /** The stored replay id, or `undefined` when there is none (or it is not a replay id). */
  async load(): Promise<string | undefined> {
    const item = (await this.storage.read([this.key]))[this.key];
    const replayId = item?.replayId;
    if (replayId === undefined) return undefined;
    if (typeof replayId !== 'string' || !/^\d{1,20}$/.test(replayId)) {
      this.log.warn({ topic: this.topic, key: this.key }, 'stored replay id is not a decimal number, ignoring it');
      return undefined;
    }
    return replayId;
  }

  save(replayId: string): void {
    this.wanted = replayId;
    this.writing ??= this.drain();
  }

  /** Resolves when the newest position handed to `save` is stored. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.wanted !== undefined) {
        const replayId = this.wanted;
        this.wanted = undefined;
        try {
          await this.storage.write({ [this.key]: { replayId, topic: this.topic, savedAt: new Date().toISOString(), eTag: '*' } });
        } catch (error) {
          // Not fatal: the next event writes a newer position; a restart replays a little more (deduplicated).
          this.log.warn({ topic: this.topic, err: error instanceof Error ? error.message : String(error) }, 'could not store the replay id');
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
