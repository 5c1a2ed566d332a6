/**
 * The durable position of a topic's subscription: the replay id of the last event whose
 * effects are stored (and of every event before it), kept in the bot's Storage so a restart
 * resumes where processing stopped, not where the stream happened to be.
 *
 * A replay id is opaque bytes: it is stored as the bytes Salesforce sent (`replayIdBytes`,
 * base64), with `replayId` beside it for people reading the store (the decimal of 8 bytes).
 * A position stored by an older version (`replayId` only, decimal) is still read.
 *
 * Writes are coalesced: at most one per `CHECKPOINT_INTERVAL_MS` (and never two at once); meanwhile only the
 * newest position waits, and `flush` (the subscription's close) writes it at once. A crash loses at most
 * that interval's positions: the restart replays those events again, which routing deduplicates (each
 * session's transitions are guarded by its eTag), so a stored position is never ahead of a stored effect.
 */
import { asError } from '../util/errors';
import type { Log } from '../util/log';
import type { KeyValueStorage } from '../cowork/ports';
import { replayIdText } from './pubSubSubscriber';

/** The least time between two writes of a topic's position: with many events, one write per interval, not one per event. */
export const CHECKPOINT_INTERVAL_MS = 1000;

export class ReplayCheckpoint {
  readonly key: string;
  private wanted: Buffer | undefined;
  private lastSaved: Buffer | undefined;
  private writing: Promise<void> | undefined;
  /** The next write, waiting for the interval since the last one to pass. */
  private timer: NodeJS.Timeout | undefined;
  /** When the last write started (`performance.now()`); -Infinity before the first. */
  private lastWriteAt = -Infinity;

  constructor(
    private readonly storage: KeyValueStorage,
    readonly topic: string,
    private readonly log: Log,
    private readonly intervalMs = CHECKPOINT_INTERVAL_MS,
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

  /** Stores a new position (nothing is written when it is the one already stored), within the interval. */
  save(replayId: Buffer): void {
    if ((this.wanted ?? this.lastSaved)?.equals(replayId)) return;
    this.wanted = Buffer.from(replayId);
    this.schedule();
  }

  /** Resolves when the newest position handed to `save` is stored (written now, whatever the interval). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      if (this.wanted !== undefined && this.writing === undefined) this.writing = this.write();
      if (this.writing === undefined) return;
      await this.writing;
    }
  }

  /** Writes now when the interval since the last write has passed, else once it has; nothing when a write is due already. */
  private schedule(): void {
    if (this.wanted === undefined || this.writing !== undefined || this.timer !== undefined) return;
    const wait = this.lastWriteAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.writing = this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    try {
      const replayId = this.wanted;
      if (replayId === undefined) return;
      this.wanted = undefined;
      this.lastWriteAt = performance.now();
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
    } finally {
      this.writing = undefined;
      this.schedule();
    }
  }
}
