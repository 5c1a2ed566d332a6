/**
 * An agent's messages from the Case reach the customer once each, in order, when delivery is
 * interrupted: an instance that stops between filling the handoff record's outbox and delivering
 * it (the timed work of another instance delivers them, with no new message from the panel), and
 * a `Cowork_Message__e` delivered again (an instance restarted from an older replay checkpoint, as
 * a crash before checkpointing leaves it, gets the same events, EventUuids and all, once more).
 * Instances over one storage and one simulated org; a real Pub/Sub client stands in for the panel.
 */
import type { RunningBot } from '../../bot/startBot';
import { HandoffRepository } from '../../cowork/stores/handoff';
import { textsFor } from '../../dialogs/texts';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { fromPanel } from '../harness/panel';
import { panelInstances } from '../harness/panelInstances';
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
  const rig = panelInstances([{}, {}], { deadlineIntervalMs: 200 });
  const { storage, running } = rig;
  const handoffs = new HandoffRepository(storage);
  const start = (log = new RecordingLog()): Promise<RunningBot> => rig.start({}, log);

  async function takenOver(userId: string): Promise<{ caseId: string; chat: EmulatorConversation; conversationId: string }> {
    const kase = oneCase(rig.simulator.org);
    const conversationId = `conv-${userId}`;
    const chat = rig.channel.conversation(running[0]!.url, { id: userId }, conversationId);
    await startForm(chat, kase.caseNumber);
    fromPanel(rig.simulator, kase.caseId, 'takeover', AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).some((s) => s.state === 'taken_over'), 'taken_over');
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
    fromPanel(rig.simulator, caseId, 'to_customer', AGENT, 'third, after');
    await chat.waitForText('third, after');
    expect(chat.texts.slice(said)).toEqual(['first, left behind', 'second, left behind', 'third, after']);
    // Each delivered message leaves the outbox, and the emptied outbox leaves the timed work's list.
    await until(async () => (await handoffs.get(conversationId))?.panel?.outbox.length === 0 && !(await handoffs.outboxes()).includes(conversationId));
    running.push(await start());
  });

  it('the same Cowork_Message__e delivered again (a restart from an older checkpoint) reaches the customer once', async () => {
    const { caseId, chat, conversationId } = await takenOver('customer-redelivered');
    const said = chat.texts.length;
    for (const text of ['one', 'two', 'three']) fromPanel(rig.simulator, caseId, 'to_customer', AGENT, text);
    await chat.waitForText('three');
    // Delivered and recorded (this test is about redelivery, not the window between a send and its record).
    await until(async () => (await handoffs.get(conversationId))?.panel?.outbox.length === 0);

    // The checkpoint as an instance that crashed before storing it leaves it: at the takeover, before the three messages.
    const events = rig.simulator.org.publishedEvents('Cowork_Message__e').filter((e) => e.payload.Correlation_Id__c === caseId);
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

    fromPanel(rig.simulator, caseId, 'to_customer', AGENT, 'four');
    await chat.waitForText('four');
    expect(chat.texts.slice(said)).toEqual(['one', 'two', 'three', 'four']);
  });
});
