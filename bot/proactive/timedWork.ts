/**
 * The timed work of one instance: expiring sessions, finishing what any instance left in flight,
 * giving up handoffs no person accepted in time, delivering agent messages a stopped instance left in a
 * panel-held chat's outbox. Each job lists its work on every tick unless its
 * last listing is still going; the items run concurrently (a cap per job, one per session or
 * conversation) and never wait for each other nor for another job, so one hung chat holds only its
 * own item (bounded by COWORK_SEND_TIMEOUT_SECONDS).
 */
import { type ProactiveTurns } from '../../dialogs/coworkTurn';
import type { CoworkService } from '../../cowork/coworkService';
import { TIMED_WORK_CONCURRENCY } from '../../cowork/flow/recovery';
import type { Log } from '../../util/log';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import { KeyedWorkPool } from '../../util/workPool';
import type { CoworkBot } from '../turn/coworkBot';
import type { HandoffProtocol } from '../handoff/handoffProtocol';

export interface TimedWorkDeps {
  service: CoworkService;
  handoff: HandoffProtocol;
  bot: CoworkBot;
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  log: Log;
  intervalMs: number;
  /** The Salesforce panel's takeovers: what a stopped instance left in an outbox (bot/handoff/salesforcePanel.ts). */
  panel: { deliverLeftBehind(): Promise<unknown> };
}

/** Starts the ticks; `stop` ends them and resolves once everything they started has settled. */
export function startTimedWork(deps: TimedWorkDeps): { stop(): Promise<void> } {
  const { service, handoff, bot, proactive, queue, log } = deps;
  // Handoff requests no person accepted in time: the bot takes each conversation back in its own turn.
  const giveUps = new KeyedWorkPool(TIMED_WORK_CONCURRENCY, (err, conversationId) =>
    log.error({ err, conversationId }, 'giving up an overdue handoff failed; will retry'),
  );
  const takeBackOverdueHandoffs = async (): Promise<void> => {
    for (const record of await handoff.overdueRequests()) {
      giveUps.start(record.conversationId, () =>
        queue.run(record.conversationId, () => proactive.run(record.conversationReference, (context) => bot.handoffTimedOut(context))),
      );
    }
  };
  const listing = new Map<string, Promise<void>>();
  const job = (name: string, list: () => Promise<unknown>): void => {
    if (listing.has(name)) return;
    listing.set(
      name,
      list()
        .then(() => undefined)
        .catch((err: unknown) => log.error({ err, job: name }, 'timed work failed'))
        .finally(() => listing.delete(name)),
    );
  };
  const timer = setInterval(() => {
    job('deadlines', () => service.runDueDeadlines({ wait: false }));
    job('in-flight', () => service.recoverInFlight({ wait: false }));
    job('handoffs', takeBackOverdueHandoffs);
    job('panel-outbox', () => deps.panel.deliverLeftBehind());
  }, deps.intervalMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all(listing.values());
      await Promise.all([service.drainTimedWork(), giveUps.drain()]);
    },
  };
}
