/**
 * The Salesforce panel as a handoff target: a customer whose chat is linked to a Case asks for a
 * person, the panel on that Case is told directly (a `person_requested` status saying it can take
 * over), the customer's channel gets only the message, the bot stops answering, and the panel's
 * takeover accepts that request. The customer is told when the person joins and when the bot is
 * back, in their language. Two instances over one storage: one with the agent relay on (the panel
 * still comes first for a linked chat), one with nothing but the Salesforce side (the card still
 * offers a person). A real Pub/Sub client stands in for the coworkPanel.
 */
import { HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { panelTexts, textsFor } from '../../dialogs/texts';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { fromPanel } from '../harness/panel';
import { panelInstances } from '../harness/panelInstances';

const AGENT = 'agent.one@example.com';
const en = textsFor('en-US');
const fr = textsFor('fr-FR');

describe('the Salesforce panel as the handoff target of a chat linked to its Case', () => {
  // [0]: the agent relay on too; [1]: only the Salesforce side (status events on by default).
  const rig = panelInstances([{ COWORK_AGENT_KEY: 'panel-target-test-relay-key' }, {}]);
  const { running } = rig;

  function requested(caseId: string): Array<{ state: unknown; detail: unknown }> {
    return rig.panel.states(caseId).filter((s) => s.state === 'person_requested');
  }

  it('a typed request goes to the panel (not the relay): told once, the customer gets only the message, the bot waits, the takeover accepts it', async () => {
    const kase = oneCase(rig.simulator.org);
    const chat = rig.channel.conversation(running[0]!.url, { id: 'customer-panel-target' });
    await startForm(chat, kase.caseNumber);

    await chat.say('I want to talk to a person');
    await chat.waitForText(HANDOFF_REQUESTED_TEXT);
    await waitUntil(() => requested(kase.caseId).length > 0, 'person_requested on the Case');
    expect(requested(kase.caseId)).toEqual([{ state: 'person_requested', detail: panelTexts.personRequested }]);
    // Told directly: nothing but messages reached the customer's channel (no handoff.initiate).
    expect(chat.received.filter((a) => a.type !== 'message')).toEqual([]);

    // Recorded: the bot answers nothing while it waits for the person.
    const said = chat.texts.length;
    expect((await chat.say('hello? anyone?')).status).toBe(200);
    expect(chat.texts.length).toBe(said);

    // The panel takes over: that accepts the request, and the customer is told a person joined.
    fromPanel(rig.simulator, kase.caseId, 'takeover', AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).some((s) => s.state === 'taken_over'), 'taken_over');
    await chat.waitForText(en.personJoined);
    fromPanel(rig.simulator, kase.caseId, 'to_customer', AGENT, 'Hello, I am here.');
    await chat.waitForText('Hello, I am here.');
    // The relay's agents no longer see the request waiting (it left the waiting list when accepted).
    const agent = rig.channel.conversation(running[0]!.url, { id: 'relay-agent-panel-target' });
    await agent.say('/agent login panel-target-test-relay-key');
    await agent.waitForText(/logged in/i);
    await agent.say('/agent list');
    await agent.waitForText('No customer is waiting for a person.');

    fromPanel(rig.simulator, kase.caseId, 'handback', AGENT);
    await chat.waitForText(en.backWithBot);
    expect(chat.texts.filter((t) => t === en.personJoined)).toHaveLength(1);
    expect(requested(kase.caseId)).toHaveLength(1);
  });

  it('with only the Salesforce side on, the card offers a person; a French customer is told in French when the person joins and leaves', async () => {
    const kase = oneCase(rig.simulator.org);
    const chat = rig.channel.conversation(running[1]!.url, { id: 'customer-panel-target-fr' });
    const { card, formToken } = await startForm(chat, kase.caseNumber, (text) => chat.post({ type: 'message', text, locale: 'fr-FR' }));
    expect(JSON.stringify(card)).toContain('"cowork":"handoff"');

    await chat.post({ type: 'message', value: { cowork: 'handoff', formToken }, locale: 'fr-FR' });
    await waitUntil(() => requested(kase.caseId).length > 0, 'person_requested on the Case');
    expect(requested(kase.caseId)).toEqual([{ state: 'person_requested', detail: panelTexts.personRequested }]);
    expect(chat.texts).not.toContain(fr.noPersonHere);

    fromPanel(rig.simulator, kase.caseId, 'takeover', AGENT);
    await chat.waitForText(fr.personJoined);
    fromPanel(rig.simulator, kase.caseId, 'handback', AGENT);
    await chat.waitForText(fr.backWithBot);
  });
});
