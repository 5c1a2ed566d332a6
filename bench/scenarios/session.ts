/**
 * What every scenario shares: the run's context, the Case-updated timestamps (an observer on the
 * simulated org, not a poll) and one customer's whole session through the bot.
 */
import { errorMessage } from '../../util/errors';
import { normalizeId } from '../../util/salesforceId';
import type { RunningSimulator } from '../../simulator';
import type { BenchChannel } from '../channel';
import type { Child } from '../child';
import type { BenchOptions } from '../options';

export const EVENT = 'Use_of_Funds__e';
export const TOPIC = `/event/${EVENT}`;
export const ANSWER = 'Renovation Work';

export interface BenchCase {
  caseId: string;
  caseNumber: string;
}

/** When each Case got its Use_of_Funds__c, told by the simulated org as each update lands. */
export class CaseUpdates {
  private readonly at = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();
  readonly stop: () => void;

  constructor(sim: RunningSimulator) {
    this.stop = sim.org.onRecordUpdated((objectName, record, fields) => {
      if (objectName !== 'Case' || !('Use_of_Funds__c' in fields)) return;
      const now = performance.now();
      const key = normalizeId(record.Id) ?? record.Id;
      this.at.set(key, now);
      const waiter = this.waiters.get(key);
      this.waiters.delete(key);
      waiter?.(now);
    });
  }

  get count(): number {
    return this.at.size;
  }

  wait(caseId: string, timeoutMs: number): Promise<number | undefined> {
    const key = normalizeId(caseId) ?? caseId;
    const done = this.at.get(key);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}

export interface Context {
  sim: RunningSimulator;
  channel: BenchChannel;
  bot: Child;
  botUrl: string;
  cases: CaseUpdates;
  options: BenchOptions;
}

export interface SessionResult {
  ok: boolean;
  thanksMs?: number;
  caseMs?: number;
  error?: string;
}

let conversationCounter = 0;

/** One customer's whole session: /cowork, the form card, the submit, the thank-you, the Case update. */
export async function customerSession(ctx: Pick<Context, 'channel' | 'botUrl' | 'options' | 'cases'>, kase: BenchCase): Promise<SessionResult> {
  const conversationId = `bench-${++conversationCounter}`;
  const { channel, botUrl, options } = ctx;
  channel.open(conversationId);
  try {
    const started = await channel.post(botUrl, conversationId, { type: 'message', text: `/cowork ${kase.caseNumber}`, textFormat: 'plain' });
    if (started !== 200) throw new Error(`/cowork answered HTTP ${started}`);
    const card = await channel.waitForCard(conversationId, options.timeoutMs);
    const thanks = channel.waitForThanks(conversationId, options.timeoutMs);
    const caseUpdated = ctx.cases.wait(kase.caseId, options.timeoutMs);
    const submittedAt = performance.now();
    const submitted = await channel.post(botUrl, conversationId, {
      type: 'message',
      value: { cowork: 'submit', formToken: card.formToken, useOfFunds: ANSWER },
      channelData: { postBack: true },
    });
    if (submitted !== 200) throw new Error(`submit answered HTTP ${submitted}`);
    const thanked = await thanks;
    const updated = await caseUpdated;
    if (updated === undefined) throw new Error(`Case ${kase.caseId} not updated within ${options.timeoutMs} ms`);
    return { ok: true, thanksMs: thanked.at - submittedAt, caseMs: updated - submittedAt };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  } finally {
    channel.forget(conversationId);
  }
}
