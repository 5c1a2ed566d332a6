/**
 * Ordering, concurrency and the checkpoint watermark, with handlers whose completion the test
 * controls (no timers, no sleeps).
 */
import { silentLog } from '../../util/log';
import type { PlatformEvent } from '../../cowork/ports';
import { byCorrelationId } from '../../salesforce/eventBus';
import { EventDispatcher } from '../../salesforce/eventDispatcher';

function event(replayId: number, caseId: string | undefined, id = `uuid-${replayId}`): PlatformEvent {
  return { id, replayId: String(replayId), topic: '/event/Use_of_Funds__e', payload: caseId === undefined ? {} : { Correlation_Id__c: caseId } };
}

function rid(replayId: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(replayId));
  return bytes;
}

/** A dispatcher of `handler`'s events by Case id, and the replay ids it checkpoints (as numbers, in order). */
function dispatching(
  handler: (e: PlatformEvent) => Promise<void>,
  options: Partial<ConstructorParameters<typeof EventDispatcher>[0]> = {},
): { dispatcher: EventDispatcher; checkpoints: string[] } {
  const checkpoints: string[] = [];
  const dispatcher = new EventDispatcher({
    handler,
    correlationKeyOf: byCorrelationId,
    onCheckpoint: (r) => checkpoints.push(r.readBigUInt64BE().toString()),
    onSettled: () => undefined,
    log: silentLog,
    ...options,
  });
  return { dispatcher, checkpoints };
}

/** A handler that records starts and lets the test finish each event when it wants. */
function controlledHandler() {
  const started: string[] = [];
  const finishers = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const handler = (e: PlatformEvent): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      started.push(e.replayId);
      finishers.set(e.replayId, { resolve, reject });
    });
  const finish = async (replayId: number): Promise<void> => {
    finishers.get(String(replayId))!.resolve();
    for (let i = 0; i < 10; i++) await Promise.resolve(); // let the promise chains run
  };
  return { started, handler, finish, finishers };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('EventDispatcher', () => {
  it('runs different Cases concurrently but one Case strictly in order', async () => {
    const h = controlledHandler();
    const { dispatcher } = dispatching(h.handler);
    dispatcher.push(event(1, 'caseA'), rid(1));
    dispatcher.push(event(2, 'caseB'), rid(2));
    dispatcher.push(event(3, 'caseA'), rid(3));
    await settle();
    expect(h.started).toEqual(['1', '2']);
    await h.finish(1);
    expect(h.started).toEqual(['1', '2', '3']);
  });

  it('checkpoints only the highest replay id below which everything is done', async () => {
    const h = controlledHandler();
    const { dispatcher, checkpoints } = dispatching(h.handler);
    dispatcher.push(event(10, 'a'), rid(10));
    dispatcher.push(event(11, 'b'), rid(11));
    dispatcher.push(event(12, 'c'), rid(12));
    await settle();
    await h.finish(12);
    await h.finish(11);
    expect(checkpoints).toEqual([]); // 10 is still running
    await h.finish(10);
    expect(checkpoints).toEqual(['12']);
    expect(dispatcher.pending).toBe(0);
  });

  it('drops a redelivered event (same EventUuid) whatever its replay id', async () => {
    const h = controlledHandler();
    const { dispatcher } = dispatching(h.handler);
    expect(dispatcher.push(event(101, 'a'), rid(101))).toBe(true);
    expect(dispatcher.push(event(101, 'a'), rid(101))).toBe(false); // while pending
    await settle();
    await h.finish(101);
    expect(dispatcher.push(event(105, 'a', 'uuid-101'), rid(105))).toBe(false); // same EventUuid, new replay id
    expect(h.started).toEqual(['101']);
  });

  it('follows delivery order, not replay id order: ids that go down (an org migration) are handled and checkpointed', async () => {
    const h = controlledHandler();
    const { dispatcher, checkpoints } = dispatching(h.handler);
    expect(dispatcher.push(event(900, 'a'), rid(900))).toBe(true);
    expect(dispatcher.push(event(7, 'b'), rid(7))).toBe(true);
    await settle();
    await h.finish(7);
    expect(checkpoints).toEqual([]); // 900 came first and is still running
    await h.finish(900);
    expect(checkpoints).toEqual(['7']);
  });

  it('retries a failing handler, then skips the event so its Case is not blocked forever', async () => {
    const calls: string[] = [];
    const { dispatcher, checkpoints } = dispatching(
      async (e) => {
        calls.push(e.replayId);
        if (e.replayId === '1') throw new Error('storage down');
      },
      { handlerAttempts: 3, retryBackoff: { initialMs: 1, maxMs: 2 } },
    );
    dispatcher.push(event(1, 'a'), rid(1));
    dispatcher.push(event(2, 'a'), rid(2));
    await dispatcher.idle();
    expect(calls).toEqual(['1', '1', '1', '2']);
    expect(checkpoints.at(-1)).toBe('2');
  });
});
