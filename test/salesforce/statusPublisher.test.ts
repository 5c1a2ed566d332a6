/**
 * Statuses for the agent's panel: in order, several in one call while one is in flight, cut to the
 * fields' lengths, and a failure logged without stopping the ones after it.
 */
import type { CoworkStatus } from '../../cowork/ports';
import { QueuedEventPublisher, SalesforceStatusPublisher, statusFields, type BatchPublisher } from '../../salesforce/statusPublisher';
import { RecordingLog } from '../harness/recordingLog';

const CASE_ID = '500Sm0000000001IAA';
const status = (state: CoworkStatus['state'], answer: string | null = null): CoworkStatus => ({
  caseId: CASE_ID,
  sessionKey: 'a'.repeat(32),
  state,
  answer,
  detail: null,
});

class HeldBus implements BatchPublisher {
  readonly calls: Array<Array<Readonly<Record<string, string | null>>>> = [];
  private releases: Array<() => void> = [];
  failNext = false;
  /** What the org refuses of the next call, one reason per refused event. */
  refuseNext: string[] = [];

  publishBatch(_topic: string, fieldsList: ReadonlyArray<Readonly<Record<string, string | null>>>): Promise<{ accepted: number; failures: string[] }> {
    this.calls.push([...fieldsList]);
    const fail = this.failNext;
    const failures = this.refuseNext;
    this.failNext = false;
    this.refuseNext = [];
    return new Promise((resolve, reject) =>
      this.releases.push(() => (fail ? reject(new Error('UNAVAILABLE')) : resolve({ accepted: fieldsList.length - failures.length, failures }))),
    );
  }

  release(): void {
    this.releases.shift()?.();
  }
}

/** Waits for `condition`, at most `ms` (by turns of the event loop when 0). */
async function until(condition: () => boolean, ms = 0): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; (ms > 0 ? Date.now() < deadline : i < 1000) && !condition(); i++)
    await new Promise((resolve) => (ms > 0 ? setTimeout(resolve, 5) : setImmediate(resolve)));
  if (!condition()) throw new Error('condition not reached');
}

describe('SalesforceStatusPublisher', () => {
  it('waits a moment for other statuses, of any session, and sends what came in one call', async () => {
    const bus = new HeldBus();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', new RecordingLog());
    publisher.publish(status('form_sent'));
    await new Promise((resolve) => setImmediate(resolve));
    publisher.publish({ ...status('submitted', '🛠 Renovation Work'), caseId: '500Sm0000000002IAA', sessionKey: 'b'.repeat(32) });
    publisher.publish(status('answered', '🛠 Renovation Work'));
    expect(bus.calls).toEqual([]); // nothing sent yet: the first one lingers
    // The linger is 50 ms; the bound is for a loaded machine (CI failed once at 200 ms with two cores busy).
    await until(() => bus.calls.length === 1, 10_000);
    expect(bus.calls[0]?.map((f) => [f.Correlation_Id__c, f.State__c])).toEqual([
      [CASE_ID, 'form_sent'],
      ['500Sm0000000002IAA', 'submitted'],
      [CASE_ID, 'answered'],
    ]);
    bus.release();
    await publisher.flush();
    expect(publisher.published).toBe(3);
  });

  it('without the wait, sends the first status at once and the ones given meanwhile together, in order', async () => {
    const bus = new HeldBus();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', new RecordingLog(), 0);
    publisher.publish(status('form_sent'));
    publisher.publish(status('submitted', '🛠 Renovation Work'));
    publisher.publish(status('answered', '🛠 Renovation Work'));
    expect(bus.calls.map((c) => c.map((f) => f.State__c))).toEqual([['form_sent']]);
    bus.release();
    await until(() => bus.calls.length === 2);
    expect(bus.calls[1]?.map((f) => f.State__c)).toEqual(['submitted', 'answered']);
    bus.release();
    await publisher.flush();
    expect(publisher.published).toBe(3);
  });

  it('logs a failed call and goes on with the next statuses', async () => {
    const bus = new HeldBus();
    const log = new RecordingLog();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', log, 0);
    bus.failNext = true;
    publisher.publish(status('form_sent'));
    publisher.publish(status('saved', '🎓 Education'));
    bus.release();
    await until(() => bus.calls.length === 2);
    bus.release();
    await publisher.flush();
    expect(log.entries.some((e) => e.level === 'warn' && /publishing co-work statuses failed/.test(e.msg))).toBe(true);
    expect(publisher.published).toBe(1);
  });

  it.each([0, 1, 2, 3, 4])('a status given %i microtasks after the last call returns is sent, and flush waits for it', async (depth) => {
    const calls: string[][] = [];
    let late = true;
    const bus: BatchPublisher = {
      publishBatch: async (_topic, fieldsList) => {
        calls.push(fieldsList.map((f) => String(f.State__c)));
        if (late) {
          late = false;
          // Another status arrives while the publisher is between its last check of the queue and letting go.
          void (async () => {
            for (let i = 0; i < depth; i++) await Promise.resolve();
            publisher.publish(status('saved', '🎓 Education'));
          })();
        }
        return { accepted: fieldsList.length, failures: [] };
      },
    };
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', new RecordingLog(), 0);
    publisher.publish(status('answered', '🎓 Education'));
    await until(() => calls.length >= 1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await publisher.flush();
    expect(calls.flat()).toEqual(['answered', 'saved']);
    expect(publisher.published).toBe(2);
  });

  it('one call at a time even when a status is given from inside a call, and flush waits for every call', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const releases: Array<() => void> = [];
    const calls: string[][] = [];
    const bus: BatchPublisher = {
      publishBatch: (_topic, fieldsList) => {
        calls.push(fieldsList.map((f) => String(f.State__c)));
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (calls.length === 1) publisher.publish(status('saved', '🎓 Education')); // given synchronously, mid-call
        return new Promise((resolve) =>
          releases.push(() => {
            inFlight--;
            resolve({ accepted: fieldsList.length, failures: [] });
          }),
        );
      },
    };
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', new RecordingLog(), 0);
    publisher.publish(status('answered', '🎓 Education'));
    let flushed = false;
    const flushing = publisher.flush().then(() => (flushed = true));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(calls).toEqual([['answered']]);
    expect(flushed).toBe(false);
    releases.shift()?.();
    await until(() => calls.length === 2);
    expect(flushed).toBe(false);
    releases.shift()?.();
    await flushing;
    expect(calls).toEqual([['answered'], ['saved']]);
    expect(maxInFlight).toBe(1);
  });

  it('a bus that throws at once does not stop the statuses after it', async () => {
    const calls: string[][] = [];
    const bus: BatchPublisher = {
      publishBatch: (_topic, fieldsList) => {
        calls.push(fieldsList.map((f) => String(f.State__c)));
        if (calls.length === 1) throw new Error('channel closed');
        return Promise.resolve({ accepted: fieldsList.length, failures: [] });
      },
    };
    const log = new RecordingLog();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', log, 0);
    publisher.publish(status('answered', '🎓 Education'));
    await publisher.flush();
    publisher.publish(status('saved', '🎓 Education'));
    await publisher.flush();
    expect(calls).toEqual([['answered'], ['saved']]);
    expect(publisher.published).toBe(1);
    expect(log.entries.some((e) => e.level === 'warn' && /publishing co-work statuses failed/.test(e.msg))).toBe(true);
  });

  it('maps a status onto the event fields, cut to their lengths, empty values as null', () => {
    const fields = statusFields({ caseId: CASE_ID, sessionKey: null, state: 'failed', answer: '', detail: 'x'.repeat(300) });
    expect(fields).toEqual({ Correlation_Id__c: CASE_ID, Session_Key__c: null, State__c: 'failed', Answer__c: null, Detail__c: 'x'.repeat(255) });
  });

  it('tells the operator which statuses a failed call carried (Case and state, never the answer)', async () => {
    const bus = new HeldBus();
    const log = new RecordingLog();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', log, 0);
    bus.failNext = true;
    publisher.publish(status('answered', '🎓 Education'));
    publisher.publish(status('saved', '🎓 Education')); // waits for the next call
    bus.release();
    await until(() => bus.calls.length === 2);
    bus.release();
    await publisher.flush();
    expect(log.entries.filter((e) => e.level === 'warn')).toEqual([
      {
        level: 'warn',
        msg: 'publishing co-work statuses failed; the customer flow goes on',
        fields: { err: new Error('UNAVAILABLE'), topic: '/event/Cowork_Status__e', events: [`${CASE_ID}:answered`] },
      },
    ]);
  });

  it('logs the events the org refused in an accepted call, and nothing when it refused none', async () => {
    const bus = new HeldBus();
    const log = new RecordingLog();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', log, 0);
    publisher.publish(status('answered', '🎓 Education'));
    bus.release();
    await publisher.flush();
    expect(log.entries).toEqual([]);
    bus.refuseNext = ['INVALID_FIELD: No such column Detail__c'];
    publisher.publish(status('saved', '🎓 Education')); // its call is refused by the org
    publisher.publish(status('expired')); // the next call, accepted
    bus.release();
    await until(() => bus.calls.length === 3);
    bus.release();
    await publisher.flush();
    expect(publisher.published).toBe(2);
    expect(log.entries).toEqual([
      {
        level: 'warn',
        msg: 'some co-work statuses were refused by the org',
        fields: { topic: '/event/Cowork_Status__e', failures: ['INVALID_FIELD: No such column Detail__c'] },
      },
    ]);
  });

  it('keeps at most 1,000 statuses while the org does not answer: the oldest are dropped, and the operator told each time', async () => {
    const bus = new HeldBus();
    const log = new RecordingLog();
    const publisher = new SalesforceStatusPublisher(bus, '/event/Cowork_Status__e', log, 0);
    publisher.publish(status('form_sent', 'in flight')); // its call hangs: the org does not answer
    for (let i = 0; i < 1000; i++) publisher.publish(status('answered', `#${i}`));
    expect(log.entries).toEqual([]); // 1,000 waiting: none dropped yet
    for (let i = 1000; i < 1003; i++) publisher.publish(status('answered', `#${i}`));
    expect(log.entries).toEqual(
      Array.from({ length: 3 }, () => ({
        level: 'warn',
        msg: 'co-work statuses dropped: the org has not accepted them for a while',
        fields: { dropped: 1, topic: '/event/Cowork_Status__e' },
      })),
    );
    for (let call = 1; call <= 11; call++) {
      bus.release();
      if (call < 11) await until(() => bus.calls.length === call + 1);
    }
    await publisher.flush();
    expect(bus.calls.map((c) => c.length)).toEqual([1, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
    expect(bus.calls.slice(1).flatMap((c) => c.map((f) => f.Answer__c))).toEqual(Array.from({ length: 1000 }, (_, i) => `#${i + 3}`));
    expect(publisher.published).toBe(1001);
  });

  it('a publisher whose run stopped on an unexpected error says so, and the next status starts it again', async () => {
    const bus = new HeldBus();
    const log = new RecordingLog();
    const publisher = new QueuedEventPublisher<string>(
      bus,
      '/event/Agent_Message__e',
      log,
      {
        what: 'messages',
        toFields: (text) => ({ Text__c: text }),
        describe: (text) => {
          if (text === 'undescribable') throw new Error('cannot describe');
          return text;
        },
      },
      0,
    );
    bus.failNext = true;
    publisher.publish('undescribable');
    bus.release();
    await publisher.flush();
    expect(log.entries).toEqual([
      {
        level: 'warn',
        msg: 'the publisher of messages stopped; the next one restarts it',
        fields: { err: new Error('cannot describe'), topic: '/event/Agent_Message__e' },
      },
    ]);
    publisher.publish('next');
    bus.release();
    await publisher.flush();
    expect(bus.calls.map((c) => c.map((f) => f.Text__c))).toEqual([['undescribable'], ['next']]);
    expect(publisher.published).toBe(1);
  });
});
