/**
 * The durable position of a topic's subscription: the replay id of the last event whose
 * effects are stored (and of every event before it), kept in the bot's Storage so a restart
 * resumes where processing stopped, not where the stream happened to be.
 *
 * A replay id is opaque bytes: it is stored as the bytes Salesforce sent (`replayIdBytes`,
 * base64), with `replayId` beside it for people reading the store (the decimal of 8 bytes).
 * A position stored by an older version (`replayId` only, decimal) is still read.
 *
 * Writes are coalesced: while one is in flight only the newest position waits behind it.
 */
import { asError } from '../util/errors';
import type { Log } from '../util/log';
import type { KeyValueStorage } from '../cowork/ports';
import { replayIdText } from './pubSubSubscriber';

export class ReplayCheckpoint {
  readonly key: string;
  private wanted: Buffer | undefined;
  private lastSaved: Buffer | undefined;
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
  async load(): Promise<Buffer | undefined> {
    const item = (await this.storage.read([this.key]))[this.key];
    if (item === undefined) return undefined;
    const bytes = item.replayIdBytes;
    if (typeof bytes === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(bytes) && bytes.length <= 1024) {
      this.lastSaved = Buffer.from(bytes, 'base64');
      return this.lastSaved;
    }
    const legacy = item.replayId;
    if (typeof legacy === 'string' && /^\d{1,20}$/.test(legacy) && BigInt(legacy) < 2n ** 64n) {
      const buffer = Buffer.alloc(8);
      buffer.writeBigUInt64BE(BigInt(legacy));
      return buffer;
    }
    this.log.warn({ topic: this.topic, key: this.key }, 'stored replay id is not readable, ignoring it');
    return undefined;
  }

  /** Stores a new position (nothing is written when it is the one already stored). */
  save(replayId: Buffer): void {
    if ((this.wanted ?? this.lastSaved)?.equals(replayId)) return;
    this.wanted = Buffer.from(replayId);
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
          await this.storage.write({
            [this.key]: {
              replayIdBytes: replayId.toString('base64'),
              replayId: replayIdText(replayId),
              topic: this.topic,
              savedAt: new Date().toISOString(),
              eTag: '*',
            },
          });
          this.lastSaved = replayId;
        } catch (error) {
          // Not fatal: the next event writes a newer position; a restart replays a little more (deduplicated).
          this.log.warn({ topic: this.topic, err: asError(error) }, 'could not store the replay id');
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
