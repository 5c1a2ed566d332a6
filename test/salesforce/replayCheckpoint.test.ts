/**
 * The replay position's writes: one per interval however many events, the newest position kept, and
 * written at once by `flush` (the subscription's close), so a stop loses nothing and a crash replays
 * at most one interval's events (deduplicated by the sessions' eTags).
 */
import { MemoryStorage } from 'botbuilder';
import { ReplayCheckpoint } from '../../salesforce/replayCheckpoint';
import { silentLog } from '../../util/log';
import { waitUntil } from '../harness/coworkSteps';

class CountingStorage extends MemoryStorage {
  writes = 0;
  override async write(changes: Parameters<MemoryStorage['write']>[0]): Promise<void> {
    this.writes++;
    return super.write(changes);
  }
}

const position = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

async function stored(storage: MemoryStorage, checkpoint: ReplayCheckpoint): Promise<string | undefined> {
  return ((await storage.read([checkpoint.key]))[checkpoint.key] as { replayId?: string } | undefined)?.replayId;
}

describe('the replay checkpoint', () => {
  it('writes the first position at once, then of the positions saved within the interval only the newest, when flushed', async () => {
    const storage = new CountingStorage();
    const checkpoint = new ReplayCheckpoint(storage, '/event/Use_of_Funds__e', silentLog, 3_600_000);
    checkpoint.save(position(1));
    await waitUntil(() => storage.writes === 1, 'the first write');
    for (let n = 2; n <= 50; n++) checkpoint.save(position(n));
    // Every save above has run: none of them wrote (the interval has not passed).
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect({ writes: storage.writes, stored: await stored(storage, checkpoint) }).toEqual({ writes: 1, stored: '1' });
    await checkpoint.flush();
    expect({ writes: storage.writes, stored: await stored(storage, checkpoint) }).toEqual({ writes: 2, stored: '50' });
    await checkpoint.flush();
    expect(storage.writes).toBe(2);
  });

  it('writes the newest waiting position by itself once the interval has passed', async () => {
    const storage = new CountingStorage();
    const checkpoint = new ReplayCheckpoint(storage, '/event/Use_of_Funds__e', silentLog, 50);
    checkpoint.save(position(1));
    checkpoint.save(position(2));
    checkpoint.save(position(3));
    await waitUntil(() => storage.writes === 2, 'the waiting write', 5_000);
    expect(await stored(storage, checkpoint)).toBe('3');
  });
});
