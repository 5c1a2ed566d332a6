/**
 * The agent relay's work in the customer's conversation: taking a waiting customer, answering their
 * form on their behalf (the event is published with the Case Id only), relaying the agent's
 * messages to them, handing them back. What reaches the customer runs in a proactive turn of their
 * conversation, queued with its other turns; taking and handing back apply the status the relay
 * signed (`handoff.status accepted` / `completed`), exactly as a connector's does.
 *
 * `agentRelay.ts` reads the agent's turns and commands and calls these.
 */
import type { CoworkTurn, OutgoingActivity, ProactiveTurns } from '../../dialogs/coworkTurn';
import type { CoworkService } from '../../cowork/coworkService';
import { answerLabels, typedAnswerInputOf } from '../../cowork/domain/formSpec';
import type { HandoffRecord, HandoffRepository } from '../../cowork/stores/handoff';
import type { Log } from '../../util/log';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import { recognizeAnswer } from '../../dialogs/answerRecognizer';
import type { Conversations } from '../turn/conversations';
import { agentTexts } from '../../dialogs/texts';
import type { AgentDirectory, AgentRecord } from './agentDirectory';
import type { HandoffProtocol, SignedHandoffStatus } from './handoffProtocol';
import type { HandoffTrust } from './handoffTrust';
import { customerFact } from './customerText';

export interface AgentRelayCustomerDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  handoffs: HandoffRepository;
  service: CoworkService;
  /** The logged-in agent conversations (also the protocol's way to an agent). */
  agents: AgentDirectory;
  /** Applies the statuses the relay signs, in the customer's conversation. */
  handoff: HandoffProtocol;
  /** The customer's conversation: its latest session, and its state saved after a status. */
  conversations: Conversations;
  /** Signs the statuses the relay applies (the same check as a channel's signed `handoff.status`). */
  trust: HandoffTrust;
  log: Log;
}

export class AgentRelayCustomer {
  constructor(
    private readonly deps: AgentRelayCustomerDeps,
    private readonly now: () => number,
  ) {}

  /** `/agent take <number|conversation>`: the agent takes a waiting customer, if no other agent took them first. */
  async take(context: CoworkTurn, agent: AgentRecord, which: string): Promise<void> {
    if (agent.customerConversationId) {
      await context.sendActivity('You are already talking to a customer: hand it back first (`/agent done`).');
      return;
    }
    const waiting = await this.deps.handoffs.waiting();
    const index = /^\d+$/.test(which) ? Number(which) - 1 : -1;
    const record = waiting[index] ?? waiting.find((r) => r.conversationId === which);
    if (!record) {
      await context.sendActivity(agentTexts.notWaitingForPerson);
      return;
    }
    if (record.conversationId === agent.conversationId) {
      // Taking this very conversation would wait on its own turn (one turn at a time per conversation).
      await context.sendActivity(agentTexts.ownConversation);
      return;
    }
    await this.inCustomerConversation(record, (ctx) =>
      this.applyStatus(ctx, {
        state: 'accepted',
        agentId: agent.agentId,
        agentConversationId: agent.conversationId,
        ...this.deps.trust.sign(record.conversationId, 'accepted'),
      }),
    );
    const taken = await this.deps.handoffs.get(record.conversationId);
    if (taken?.state !== 'accepted' || taken.agentConversationId !== agent.conversationId) {
      await context.sendActivity(agentTexts.takenFirst);
      return;
    }
    await this.deps.agents.save({ ...agent, customerConversationId: record.conversationId });
    await this.deps.handoffs.update(record.conversationId, (current) => (current ? { ...current, notes: [] } : undefined));
    const notes = taken.notes.length > 0 ? `\n\nWhile waiting:\n\n${taken.notes.map((n) => `- ${n}`).join('\n')}` : '';
    await context.sendActivity(agentTexts.nowTalkingTo(await this.describe(taken), notes));
  }

  /** `/agent answer <choice>`: the agent answers the held customer's typed form for them. */
  async answer(context: CoworkTurn, agent: AgentRecord, typed: string): Promise<void> {
    const record = await this.held(agent);
    if (!record) {
      await context.sendActivity('Take a customer first (`/agent list`, `/agent take <number>`).');
      return;
    }
    const session = record.sessionKey ? await this.deps.service.get(record.sessionKey) : undefined;
    const form = session ? this.deps.service.form(session.formId) : undefined;
    const input = form ? typedAnswerInputOf(form) : undefined;
    if (!session || !form || !input) {
      await context.sendActivity(agentTexts.noTypedForm);
      return;
    }
    const recognized = recognizeAnswer(typed, session.choices[input.id] ?? []);
    if (recognized.kind !== 'match') {
      const choices = (session.choices[input.id] ?? []).map((c) => c.label).join(', ');
      await context.sendActivity(agentTexts.unknownChoice(typed.slice(0, 100), choices));
      return;
    }
    const outcome = await this.deps.service.publishAgentAnswer({ sessionKey: session.key, raw: { [input.id]: recognized.value } });
    switch (outcome.kind) {
      case 'published': {
        const labels = Object.values(answerLabels(form, session.choices, { [input.id]: recognized.value })).join(', ');
        await context.sendActivity(agentTexts.published(session.caseNumber, labels));
        return;
      }
      case 'not_pending':
        await context.sendActivity(agentTexts.notWaiting(session.caseNumber, outcome.session.state));
        return;
      case 'invalid':
        await context.sendActivity(outcome.problems.map((p) => p.message).join('\n\n'));
        return;
      case 'no_session':
        await context.sendActivity(agentTexts.noTypedForm);
        return;
      case 'publish_failed':
        await context.sendActivity(agentTexts.publishFailed);
        return;
    }
  }

  /** `/agent done`: the conversation goes back to the bot (ended all the same when the customer cannot be told). */
  async handBack(context: CoworkTurn, agent: AgentRecord): Promise<void> {
    const record = await this.held(agent);
    await this.deps.agents.save({ ...agent, customerConversationId: null });
    if (!record) {
      await context.sendActivity(agentTexts.notTalking);
      return;
    }
    try {
      await this.inCustomerConversation(record, (ctx) =>
        this.applyStatus(ctx, { state: 'completed', ...this.deps.trust.sign(record.conversationId, 'completed') }),
      );
    } catch (error) {
      // The customer's chat is gone: the handoff ends all the same, and the agent hears what happened.
      this.deps.log.warn({ conversationId: record.conversationId, err: error }, 'handed back, but the customer could not be told');
      await this.endUntold(record);
      await context.sendActivity(agentTexts.handedBackUnreachable(await this.describe(record)));
      return;
    }
    await context.sendActivity(agentTexts.handedBack(await this.describe(record)));
  }

  /** Ends a handoff whose customer could not be reached, if the failed turn did not get that far. */
  private async endUntold(record: HandoffRecord): Promise<void> {
    const endedAt = new Date(this.now()).toISOString();
    const result = await this.deps.handoffs.update(record.conversationId, (current) =>
      current?.state === 'accepted' && current.agentConversationId === record.agentConversationId ? { ...current, state: 'completed', endedAt } : undefined,
    );
    if (result.changed && record.sessionKey) await this.deps.service.setOwner(record.sessionKey, { kind: 'bot' });
  }

  /** What the agent types (text, attachments) goes to the customer they hold. */
  async relayToCustomer(context: CoworkTurn, agent: AgentRecord): Promise<void> {
    const record = await this.held(agent);
    if (!record) {
      await context.sendActivity(agentTexts.notTalkingHelp);
      return;
    }
    const { text, attachments } = context.activity;
    const activity: OutgoingActivity = { type: 'message', ...(text ? { text } : {}), ...(attachments && attachments.length > 0 ? { attachments } : {}) };
    if (!activity.text && !activity.attachments) return;
    try {
      await this.inCustomerConversation(record, async (ctx) => {
        await ctx.sendActivity(activity);
      });
    } catch (error) {
      this.deps.log.warn({ conversationId: record.conversationId, err: error }, 'agent message not delivered: the customer cannot be reached');
      await context.sendActivity(agentTexts.notDelivered);
    }
  }

  /** The customer conversation this agent holds, while the handoff is still accepted by it. */
  private async held(agent: AgentRecord): Promise<HandoffRecord | undefined> {
    if (!agent.customerConversationId) return undefined;
    const record = await this.deps.handoffs.get(agent.customerConversationId);
    return record?.state === 'accepted' && record.agentConversationId === agent.conversationId ? record : undefined;
  }

  /** A customer as the agent reads it: the Case, the session's state, who, since when. */
  async describe(record: HandoffRecord): Promise<string> {
    const session = record.sessionKey ? await this.deps.service.get(record.sessionKey) : undefined;
    // The customer's id is theirs to choose: shown as text, never as formatting.
    return agentTexts.describe(
      agentTexts.caseText(record.caseNumber, record.caseId),
      session?.state ?? 'none',
      customerFact(record.userId),
      record.requestedAt,
    );
  }

  /**
   * In a turn of the customer's conversation: applies a status the relay signed (exactly what a
   * connector's `handoff.status` does) and saves the conversation's state.
   */
  private async applyStatus(context: CoworkTurn, status: SignedHandoffStatus): Promise<void> {
    await this.deps.handoff.applySignedStatus(context, status, await this.deps.conversations.latestSession(context));
    await this.deps.conversations.save(context);
  }

  /** A proactive turn of the customer's conversation, queued with its other turns. */
  private inCustomerConversation(record: HandoffRecord, logic: (context: CoworkTurn) => Promise<void>): Promise<void> {
    return this.deps.queue.run(record.conversationId, () => this.deps.proactive.run(record.conversationReference, logic));
  }
}
