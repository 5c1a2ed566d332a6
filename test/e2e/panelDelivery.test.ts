/**
 * An agent's messages from the Case reach the customer once each, in order, when delivery is
 * interrupted: an instance that stops between filling the handoff record's outbox and delivering
 * it (the timed work of another instance delivers them, with no new message from the panel), and
 * a `Cowork_Message__e` delivered again (an instance restarted from an older replay checkpoint, as
 * a crash before checkpointing leaves it, gets the same events, EventUuids and all, once more).
 * Instances over one storage and one simulated org; a real Pub/Sub client stands in for the panel.
 */
import { MemoryStorage } from 'botbuilder';
import { startBot, type RunningBot } from '../../bot/startBot';
import { loadConfig } from '../../bot/config/config';
import { HandoffRepository } from '../../cowork/stores/handoff';
import { textsFor } from '../../dialogs/texts';
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { EmulatorChannel, type EmulatorConversation } from '../harness/emulatorChannel';
import { fromPanel, closePanel, openPanel, type Panel } from '../harness/panel';
import { RecordingLog } from '../harness/recordingLog';

const AGENT = 'agent.one@example.com';
const MESSAGE_CHECKPOINT = 'salesforce-replay-id:_event_Cowork_Message__e';

/** Polls an async condition, bounded. */
async function until(condition: () => Promise<boolean>, what = 'the outbox to empty'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("an agent's messages from the Case survive a stopped instance and redelivery, once each", () => {
  let simulator: RunningSimulator;
  let channel: EmulatorChannel;
  let panel: Panel;
  const storage = new MemoryStorage();
  const handoffs = new HandoffRepository(storage);
  const running: RunningBot[] = [];

  function start(log = new RecordingLog()): Promise<RunningBot> {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...simulatorEnv(simulator), COWORK_DEV_COMMANDS: 'true' });
    return startBot({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log, storage, deadlineIntervalMs: 200 });
  }

  beforeAll(async () => {
    simulator = await startSimulator({ keepaliveIntervalMs: 500 });
    channel = await EmulatorChannel.start();
    running.push(await start(), await start());
    panel = await openPanel(simulator);
  });
  afterAll(async () => {
    await closePanel(simulator, panel);
    await Promise.all(running.map((b) => b.stop()));
    await channel?.stop();
    await simulator?.stop();
  });

  async function takenOver(userId: string): Promise<{ caseId: string; chat: EmulatorConversation; conversationId: string }> {
    const kase = oneCase(simulator.org);
    const conversationId = `conv-${userId}`;
    const chat = channel.conversation(running[0]!.url, { id: userId }, conversationId);
    await startForm(chat, kase.caseNumber);
    fromPanel(simulator, kase.caseId, 'takeover', AGENT);
    await waitUntil(() => panel.states(kase.caseId).some((s) => s.state === 'taken_over'), 'taken_over');
    await chat.waitForText(textsFor('en-US').personJoined);
    return { caseId: kase.caseId, chat, conversationId };
  }

  it('an instance stops with messages in the outbox: the timed work of the other delivers each once, in order', async () => {
    const { caseId, chat, conversationId } = await takenOver('customer-left-behind');
    const said = chat.texts.length;
    const stopped = running.pop()!;
    await stopped.stop();
    // What the stopped instance left: two messages listed and in the outbox, its delivery lease expired, none delivered.
    await handoffs.markOutbox(conversationId);
    await handoffs.update(conversationId, (current) =>
      current?.panel
        ? {
            ...current,
            panel: {
              ...current.panel,
              outbox: [
                { eventId: 'left-behind-1', text: 'first, left behind', sender: AGENT },
                { eventId: 'left-behind-2', text: 'second, left behind', sender: AGENT },
              ],
              sending: { by: 'stopped-instance', until: new Date(Date.now() - 1000).toISOString() },
            },
          }
        : undefined,
    );
    // No new message from the panel: the timed work finds them.
    await chat.waitForText('second, left behind');
    fromPanel(simulator, caseId, 'to_customer', AGENT, 'third, after');
    await chat.waitForText('third, after');
    expect(chat.texts.slice(said)).toEqual(['first, left behind', 'second, left behind', 'third, after']);
    // Each delivered message leaves the outbox, and the emptied outbox leaves the timed work's list.
    await until(async () => (await handoffs.get(conversationId))?.panel?.outbox.length === 0 && !(await handoffs.outboxes()).includes(conversationId));
    running.push(await start());
  });

  it('the same Cowork_Message__e delivered again (a restart from an older checkpoint) reaches the customer once', async () => {
    const { caseId, chat, conversationId } = await takenOver('customer-redelivered');
    const said = chat.texts.length;
    for (const text of ['one', 'two', 'three']) fromPanel(simulator, caseId, 'to_customer', AGENT, text);
    await chat.waitForText('three');
    // Delivered and recorded (this test is about redelivery, not the window between a send and its record).
    await until(async () => (await handoffs.get(conversationId))?.panel?.outbox.length === 0);

    // The checkpoint as an instance that crashed before storing it leaves it: at the takeover, before the three messages.
    const events = simulator.org.publishedEvents('Cowork_Message__e').filter((e) => e.payload.Correlation_Id__c === caseId);
    const takeover = events.find((e) => e.payload.Kind__c === 'takeover')!;
    const replayed = events.filter((e) => e.payload.Kind__c === 'to_customer').map((e) => e.eventUuid);
    expect(replayed).toHaveLength(3);
    // Every instance stops (one still running would store its own, newer, checkpoint), then one starts again.
    await Promise.all(running.splice(0).map((b) => b.stop()));
    const position = Buffer.alloc(8);
    position.writeBigUInt64BE(BigInt(takeover.replayIdText));
    await storage.write({ [MESSAGE_CHECKPOINT]: { replayIdBytes: position.toString('base64') } });
    const log = new RecordingLog();
    running.push(await start(log));
    // The restarted instance resumes after the takeover and is given the three messages again: it sends none of them.
    const resumed = log.entries.filter((e) => e.msg === 'subscribing' && e.fields.topic === '/event/Cowork_Message__e');
    expect(resumed.map((e) => e.fields.resumeAfter)).toEqual([takeover.replayIdText]);
    const again = (): string[] => log.entries.filter((e) => e.msg.startsWith('agent message already taken')).map((e) => String(e.fields.eventId));
    await waitUntil(() => replayed.every((id) => again().includes(id)), 'the three messages redelivered to the restarted instance');

    fromPanel(simulator, caseId, 'to_customer', AGENT, 'four');
    await chat.waitForText('four');
    expect(chat.texts.slice(said)).toEqual(['one', 'two', 'three', 'four']);
  });
});
