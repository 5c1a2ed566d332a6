/**
 * An agent takes the customer's chat over from the Case, end to end, on two instances over one
 * storage and one simulated org: the panel's side is what the Send_Cowork_Message flow publishes
 * (`Cowork_Message__e` takeover / to_customer / handback, Sender__c the agent's username) and a real
 * Pub/Sub client subscribed to `Cowork_Message__e` and `Cowork_Status__e`, standing in for the
 * coworkPanel; the customer's side is the Emulator-like channel over HTTP.
 */
import { BACK_WITH_BOT_TEXT } from '../../bot/handoff/handoffProtocol';
import { textsFor } from '../../dialogs/texts';
import type { RunningSimulator } from '../../simulator';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { fromPanel } from '../harness/panel';
import { panelInstances } from '../harness/panelInstances';

const INTRO = 'A form regarding the use of funds must be completed, I am sending you the form in the chat window';
const AGENT = 'agent.one@example.com';
const OTHER_AGENT = 'agent.two@example.com';
const RELAY_KEY = 'panel-takeover-test-relay-key';

function caseWrites(simulator: RunningSimulator): number {
  return simulator.org.requestCounts()['PATCH /services/data/vXX.X/sobjects/{object}/{id}'] ?? 0;
}

function comments(simulator: RunningSimulator, caseId: string): Array<Record<string, unknown>> {
  return simulator.org.query(`SELECT Id, CommentBody, IsPublished FROM CaseComment WHERE ParentId = '${caseId}'`).records as Array<Record<string, unknown>>;
}

describe('taking the chat over from the Case (coworkPanel, Cowork_Message__e), two instances', () => {
  const rig = panelInstances([{ COWORK_AGENT_KEY: RELAY_KEY }, { COWORK_AGENT_KEY: RELAY_KEY }]);
  const { running } = rig;

  /** A customer on the first instance with the Case's form open (the chat is linked to the Case). */
  async function customerWithForm(
    userId: string,
  ): Promise<{ kase: ReturnType<typeof oneCase<{ caseId: string; caseNumber: string }>>; chat: EmulatorConversation; formToken: string }> {
    const kase = oneCase(rig.simulator.org);
    const chat = rig.channel.conversation(running[0]!.url, { id: userId });
    const { formToken } = await startForm(chat, kase.caseNumber);
    return { kase, chat, formToken };
  }

  async function takeOver(caseId: string, agent: string): Promise<void> {
    fromPanel(rig.simulator, caseId, 'takeover', agent);
    await waitUntil(() => rig.panel.states(caseId).some((s) => s.state === 'taken_over' || s.state === 'takeover_refused'), 'the takeover status');
  }

  it('takeover shows the chat so far; both directions; an answer meanwhile is saved once and shown; hand back saves the transcript on the Case', async () => {
    const { kase, chat, formToken } = await customerWithForm('customer-takeover');
    await chat.say('hello, is this the right form?');
    await waitUntil(() => chat.texts.length >= 2, "the bot's reply");

    await takeOver(kase.caseId, AGENT);
    expect(rig.panel.states(kase.caseId).filter((s) => s.state === 'taken_over')).toEqual([{ state: 'taken_over', detail: expect.stringContaining(AGENT) }]);
    // The conversation so far: the bot's intro and the customer's question, with who said them.
    await waitUntil(() => rig.panel.lines(kase.caseId).some((l) => l.sender === 'Customer'), 'the conversation so far');
    expect(rig.panel.lines(kase.caseId)).toEqual(
      expect.arrayContaining([
        { sender: 'Bot', text: INTRO },
        { sender: 'Customer', text: 'hello, is this the right form?' },
      ]),
    );

    // The customer's words reach the panel as typed (markup included, as text); the bot says nothing.
    const said = chat.texts.length;
    const typed = '<b>is anyone there?</b> <img src=x onerror=alert(1)> & more';
    expect((await chat.say(typed)).status).toBe(200);
    await waitUntil(() => rig.panel.lines(kase.caseId).some((l) => l.text === typed), "the customer's message in the panel");
    expect(rig.panel.lines(kase.caseId).filter((l) => l.text === typed)).toEqual([{ sender: 'Customer', text: typed }]);
    expect(chat.texts.length).toBe(said);

    // The agent's messages: each once, in order, whichever instance handles them.
    for (const text of ['one', 'two', 'three', 'four', 'five']) fromPanel(rig.simulator, kase.caseId, 'to_customer', AGENT, text);
    await waitUntil(() => chat.texts.includes('five'), "the agent's last message");
    expect(chat.texts.slice(said)).toEqual(['one', 'two', 'three', 'four', 'five']);

    // The customer answers the form meanwhile: the Case is saved once, the panel is told, the bot does not thank.
    const writes = caseWrites(rig.simulator);
    await chat.submitForm(formToken, 'Renovation Work');
    await waitUntil(() => rig.panel.states(kase.caseId).some((s) => s.state === 'saved'), 'the saved status');
    expect(rig.simulator.org.getRecord('Case', kase.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
    expect(caseWrites(rig.simulator) - writes).toBe(1);
    await waitUntil(
      () => rig.panel.lines(kase.caseId).some((l) => l.sender === 'Bot' && String(l.text).includes('Renovation Work')),
      'the answer shown in the panel',
    );
    expect(chat.texts).not.toContain(thanks('🛠 Renovation Work'));

    fromPanel(rig.simulator, kase.caseId, 'handback', AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).some((s) => s.state === 'handed_back'), 'the handed_back status');
    await chat.waitForText(BACK_WITH_BOT_TEXT);
    const saved = comments(rig.simulator, kase.caseId);
    expect(saved).toHaveLength(1);
    expect(saved[0]?.IsPublished).toBe(false);
    const body = String(saved[0]?.CommentBody);
    expect(body).toContain(`taken over from the Case by ${AGENT}`);
    const order = [`Customer: ${typed}`, `${AGENT}: one`, `${AGENT}: five`].map((line) => body.indexOf(line));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(
      rig.panel
        .states(kase.caseId)
        .filter((s) => s.state === 'taken_over' || s.state === 'handed_back')
        .map((s) => s.state),
    ).toEqual(['taken_over', 'handed_back']);

    // The bot has the chat again.
    const before = chat.texts.length;
    await chat.say('help');
    await waitUntil(() => chat.texts.length > before, 'the bot answering again');
  });

  it('a second agent is told who has the chat, and neither their takeover nor their messages reach the customer', async () => {
    const { kase, chat } = await customerWithForm('customer-two-agents');
    await takeOver(kase.caseId, AGENT);
    const said = chat.texts.length;

    fromPanel(rig.simulator, kase.caseId, 'takeover', OTHER_AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).some((s) => s.state === 'takeover_refused'), 'the refusal');
    expect(rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused')).toEqual([
      { state: 'takeover_refused', detail: expect.stringContaining(`${AGENT} has this chat`) },
    ]);

    fromPanel(rig.simulator, kase.caseId, 'to_customer', OTHER_AGENT, 'not from the owner');
    await waitUntil(() => rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused').length === 2, 'the refused message');
    expect(rig.panel.states(kase.caseId).at(-1)?.detail).toContain('Not sent');
    fromPanel(rig.simulator, kase.caseId, 'to_customer', AGENT, 'from the owner');
    await waitUntil(() => chat.texts.includes('from the owner'), "the owner's message");
    expect(chat.texts.slice(said)).toEqual(['from the owner']);

    fromPanel(rig.simulator, kase.caseId, 'handback', OTHER_AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused').length === 3, 'the refused hand back');
    fromPanel(rig.simulator, kase.caseId, 'handback', AGENT);
    await chat.waitForText(BACK_WITH_BOT_TEXT);
  });

  it("a Cowork_Message__e for a Case reaches only that Case's chat", async () => {
    const first = await customerWithForm('customer-case-a');
    const second = await customerWithForm('customer-case-b');
    await takeOver(first.kase.caseId, AGENT);
    const saidB = second.chat.texts.length;
    // The agent holds Case A's chat: a message naming Case B is refused, and Case B's customer gets nothing.
    fromPanel(rig.simulator, second.kase.caseId, 'to_customer', AGENT, 'meant for A');
    await waitUntil(() => rig.panel.states(second.kase.caseId).some((s) => s.state === 'takeover_refused'), 'the refusal for Case B');
    fromPanel(rig.simulator, first.kase.caseId, 'to_customer', AGENT, 'for A');
    await first.chat.waitForText('for A');
    expect(second.chat.texts.length).toBe(saidB);
    expect(first.chat.texts).not.toContain('meant for A');
    fromPanel(rig.simulator, first.kase.caseId, 'handback', AGENT);
    await first.chat.waitForText(BACK_WITH_BOT_TEXT);
  });

  it('a chat the agent relay holds is not taken from the Case: the refusal names the relay agent, and the relay keeps it', async () => {
    const { kase, chat } = await customerWithForm('customer-relay');
    const agent = rig.channel.conversation(running[1]!.url, { id: 'relay-agent' });
    await agent.say(`/agent login ${RELAY_KEY}`);
    await agent.waitForText(/logged in/i);
    await chat.say('I want to talk to a person');
    await chat.waitForText('I am asking a person to join this chat');
    await agent.say('/agent take 1');
    await agent.waitForText(/talking to/i);
    // The customer is told a person joined (the relay's take, as the panel's takeover).
    await chat.waitForText(textsFor('en-US').personJoined);

    await takeOver(kase.caseId, AGENT);
    expect(rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused')).toEqual([
      { state: 'takeover_refused', detail: expect.stringContaining('relay-agent (agent relay) has this chat') },
    ]);
    fromPanel(rig.simulator, kase.caseId, 'to_customer', AGENT, 'from the Case');
    await waitUntil(() => rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused').length === 2, 'the refused message');
    await agent.say('from the relay');
    await chat.waitForText('from the relay');
    expect(chat.texts).not.toContain('from the Case');
    // Nor can the panel hand back what the relay holds.
    fromPanel(rig.simulator, kase.caseId, 'handback', AGENT);
    await waitUntil(() => rig.panel.states(kase.caseId).filter((s) => s.state === 'takeover_refused').length === 3, 'the refused hand back');
    expect(rig.panel.states(kase.caseId).some((s) => s.state === 'handed_back')).toBe(false);
    await agent.say('/agent done');
    await chat.waitForText(BACK_WITH_BOT_TEXT);
  });

  it('a takeover of a Case with no linked chat is refused with a status that says so', async () => {
    const kase = oneCase(rig.simulator.org);
    await takeOver(kase.caseId, AGENT);
    expect(rig.panel.states(kase.caseId)[0]).toEqual({ state: 'takeover_refused', detail: expect.stringContaining('No customer chat is linked') });
  });
});
