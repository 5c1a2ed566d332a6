/**
 * Durable sessions with real processes: the bot runs as its own process (as `npm run dev`)
 * on Azure Blob Storage and on Azure Table storage (Azurite's blob and table services: every test runs
 * on each, `STORAGE=blob` then `STORAGE=table`) against a simulator that outlives it. It is stopped with
 * SIGTERM or SIGKILL at the worst moments, and run as two instances side by side.
 */
import { EmulatorChannel, type EmulatorConversation } from '../harness/emulatorChannel';
import { startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { durableStorage } from '../harness/durableStorage';
import type { BotProcess } from '../harness/processes';

jest.setTimeout(180_000);

const ACK = 'your answer has been sent';
const EVENT = 'Use_of_Funds__e';

const rig = durableStorage();
const { startBot, stopBot } = rig;
/** The storage the tests now running use (set by each `describe.each` block below). */
let kind: 'blob' | 'table' = 'blob';
let containerCount = 0;

/** Environment of a bot on a real-org configuration (the simulator) and blob or table storage (`kind`). */
function botEnv(container: string, extra: Record<string, string> = {}): Record<string, string> {
  return rig.botEnv(kind, container, extra);
}

function newContainer(): string {
  return `durability-${process.pid}-${++containerCount}`;
}

/** A customer whose turns can go to any instance, as behind a load balancer. */
/** A customer of this storage's run: the channel is shared by both runs, so a conversation id of the blob run is never the table run's (its history would hold the other run's thank-you). */
function customer(id: string): EmulatorConversation {
  return rig.channel.conversation('http://127.0.0.1:1', { id: `${kind}-${id}` }, `conv-${kind}-${id}`);
}

/** Posts through the first instance that answers 200 (a load balancer retrying elsewhere). */
async function via(instances: () => BotProcess[], chat: EmulatorConversation, send: (c: EmulatorConversation) => Promise<Response>, start = 0): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const list = instances();
    const bot = list[(start + attempt) % Math.max(list.length, 1)];
    if (bot) {
      const routed = rig.channel.conversation(bot.url, chat.user, chat.id);
      try {
        const response = await send(routed);
        if (response.status === 200) return;
      } catch {
        // Connection refused: that instance is down; try the next one.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no instance took the turn of ${chat.id}`);
}

async function formToken(chat: EmulatorConversation, caseRef: string, instances: () => BotProcess[], start = 0): Promise<string> {
  const form = await startForm(chat, caseRef, (text) => via(instances, chat, (c) => c.say(text), start), 20_000);
  return form.formToken;
}

function thanks(chat: EmulatorConversation): string[] {
  return chat.texts.filter((text) => text.startsWith(thanksPrefix()));
}

function caseValue(caseId: string): unknown {
  return rig.sim.org.getRecord('Case', caseId)?.Use_of_Funds__c ?? null;
}

function patchCount(): number {
  return Object.entries(rig.sim.org.requestCounts())
    .filter(([route]) => route.startsWith('PATCH'))
    .reduce((sum, [, n]) => sum + n, 0);
}

describe.each(['blob', 'table'] as const)('on %s storage', (storage) => {
  beforeAll(() => {
    kind = storage;
  });

  describe('a restart loses nothing and does nothing twice', () => {
    it.each(['SIGTERM', 'SIGKILL'] as const)('after the submit, stopped with %s while the answer waits in Salesforce', async (signal) => {
      const container = newContainer();
      const first = await startBot(botEnv(container));
      const only = () => [first];
      const [warmup, c] = rig.sim.org.createCases(2);
      if (!warmup || !c) throw new Error('no Cases');
      // One whole session first, so a replay position is stored.
      const warm = customer(`warm-${signal}`);
      const warmToken = await formToken(warm, warmup.caseNumber, only);
      await via(only, warm, (chat) => chat.submitForm(warmToken, 'Other'));
      await warm.waitForText(thanksPrefix(), 20_000);

      const chat = customer(`restart-${signal}`);
      const token = await formToken(chat, c.caseNumber, only);
      rig.sim.org.stallStreams();
      await via(only, chat, (x) => x.submitForm(token, 'Education'));
      await chat.waitForText(ACK);
      const stopped = await stopBot(first, signal);
      expect(signal === 'SIGTERM' ? stopped.code : stopped.signal).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL');
      rig.sim.org.releaseStreams();
      const patchesBefore = patchCount();
      expect(caseValue(c.caseId)).toBeNull();

      const second = await startBot(botEnv(container));
      await chat.waitForText(thanksPrefix(), 30_000);
      await waitUntil(() => caseValue(c.caseId) === 'Education', 'the Case update by the restarted bot', 30_000);
      expect(thanks(chat)).toHaveLength(1);
      expect(thanks(chat)[0]).toContain('🎓 Education');
      expect(patchCount() - patchesBefore).toBe(1);
      // Replayed, not republished: the Case's one event is the one published before the stop.
      expect(rig.sim.org.publishedEvents(EVENT).filter((e) => e.payload.Correlation_Id__c === c.caseId)).toHaveLength(1);
      await stopBot(second, 'SIGTERM');
    });

    it('an agent answers while the bot is down (SIGKILL): the restarted bot completes the session once', async () => {
      const container = newContainer();
      const first = await startBot(botEnv(container));
      const only = () => [first];
      const [warmup, c] = rig.sim.org.createCases(2);
      if (!warmup || !c) throw new Error('no Cases');
      const warm = customer('warm-agent');
      const warmToken = await formToken(warm, warmup.caseNumber, only);
      await via(only, warm, (chat) => chat.submitForm(warmToken, 'Other'));
      await warm.waitForText(thanksPrefix(), 20_000);

      const chat = customer('agent-while-down');
      await formToken(chat, c.caseNumber, only);
      await stopBot(first, 'SIGKILL');
      rig.sim.org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Vehicle Purchase' });

      const second = await startBot(botEnv(container));
      await chat.waitForText(thanksPrefix(), 30_000);
      await waitUntil(() => caseValue(c.caseId) === 'Vehicle Purchase', 'the Case update', 30_000);
      expect(thanks(chat)).toHaveLength(1);
      await stopBot(second, 'SIGTERM');
    });
  });

  describe('graceful shutdown', () => {
    it('on SIGTERM finishes the turn in flight, refuses new ones, and exits promptly', async () => {
      const bot = await startBot(botEnv(newContainer()));
      const slowChannel = await EmulatorChannel.start({ latencyMs: (activity) => (String(activity.text ?? '').includes('I am the co-work bot') ? 1500 : 0) });
      try {
        const chat = slowChannel.conversation(bot.url, { id: 'slow' });
        const inFlight = chat.say('help');
        await waitUntil(() => slowChannel.requestsInProgress > 0, 'the bot to be sending its reply');
        const stopping = stopBot(bot, 'SIGTERM');
        const response = await inFlight;
        expect(response.status).toBe(200);
        expect(chat.texts.some((text) => text.includes('I am the co-work bot'))).toBe(true);
        await expect(chat.say('help').then((r) => r.status)).rejects.toThrow();
        const stopped = await stopping;
        expect(stopped.code).toBe(0);
        expect(stopped.ms).toBeLessThan(10_000);
      } finally {
        await slowChannel.stop();
      }
    });
  });

  describe('two instances behind a load balancer', () => {
    it('complete 300 sessions, each with one thank-you and one Case update, while streams end and an instance is killed and restarted', async () => {
      const container = newContainer();
      const env = botEnv(container);
      let instances: BotProcess[] = await Promise.all([startBot(env), startBot(env)]);
      const live = () => instances;
      const total = 300;
      const cases = rig.sim.org.createCases(total);
      const choices = ['Renovation Work', 'Debt Consolidation', 'Vehicle Purchase', 'Education', 'Other'];
      const patchesBefore = patchCount();
      const chats = cases.map((_, i) => customer(`lb-${process.pid}-${i}`));

      const runSession = async (i: number): Promise<void> => {
        const chat = chats[i] as EmulatorConversation;
        const c = cases[i] as (typeof cases)[number];
        // The start goes to one instance, the submit to the other.
        const token = await formToken(chat, c.caseNumber, live, i);
        await via(live, chat, (x) => x.submitForm(token, choices[i % choices.length]), i + 1);
        await chat.waitForText(thanksPrefix(), 60_000);
      };
      const runBatch = async (from: number, to: number): Promise<void> => {
        const concurrency = 20;
        let next = from;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < to) await runSession(next++);
          }),
        );
      };

      // First half, with the Pub/Sub streams ended by the server along the way.
      const streamEnds = (async () => {
        for (let k = 0; k < 3; k++) {
          await waitUntil(() => chats.filter((c) => thanks(c).length > 0).length >= (k + 1) * 40, 'progress before ending streams', 120_000);
          rig.sim.org.endStreams({ code: 14, errorCode: 'sfdc.platform.eventbus.grpc.service.unavailable', details: 'ended by the test' });
        }
      })();
      await runBatch(0, total / 2);
      await streamEnds;

      // Midway: one instance is killed and restarted while the other keeps serving. It is killed once
      // the first half's Cases are updated (the thank-you is recorded before the Case update): a kill
      // between a thank-you reaching the channel and its record would make the next owner thank again
      // (see docs/ARCHITECTURE.md, Known limits).
      await waitUntil(
        () => cases.slice(0, total / 2).every((c, i) => caseValue(c.caseId) === choices[i % choices.length]),
        'the first half to be finished',
        60_000,
      );
      const [victim, survivor] = instances as [BotProcess, BotProcess];
      await stopBot(victim, 'SIGKILL');
      instances = [survivor];
      const restarting = startBot(env).then((bot) => {
        instances = [survivor, bot];
      });
      await runBatch(total / 2, total);
      await restarting;

      await waitUntil(() => cases.every((c, i) => caseValue(c.caseId) === choices[i % choices.length]), 'every Case to be updated', 60_000);
      for (const chat of chats) expect(thanks(chat)).toHaveLength(1);
      expect(patchCount() - patchesBefore).toBe(total);
      await Promise.all(instances.map((bot) => stopBot(bot, 'SIGTERM')));
    });
  });
});
