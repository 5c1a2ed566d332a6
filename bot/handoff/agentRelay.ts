/**
 * The agent relay: a local stand-in for a contact centre. A human agent talks to the bot from a
 * second conversation (another Emulator window), logs in with `COWORK_AGENT_KEY`, sees the
 * customers waiting for a person, takes one, talks with them (messages relayed both ways, cards
 * included), sees the answer the moment the event arrives, can answer on the customer's behalf
 * (the event is published with the Case Id only) and hands the conversation back.
 *
 * It speaks the handoff protocol's states to the bot: taking a conversation applies
 * `handoff.status accepted`, handing it back `completed`, in a proactive turn of the customer's
 * conversation — exactly what a real connector's `handoff.status` event does. So a real
 * connector can replace the relay without touching the session code.
 *
 * Queues: an agent's turn may wait for the customer's conversation queue (taking, handing back,
 * relaying to the customer); the customer's side never waits for an agent's queue (`AgentDirectory.tell` sends
 * without it), so the two can never wait for each other.
 */
import { type CoworkTurn, type ProactiveTurns, type OutgoingActivity, type TurnActivity, conversationReferenceOf } from '../../dialogs/coworkTurn';
import type { CoworkService } from '../../cowork/coworkService';
import { answerLabels, typedAnswerInputOf } from '../../cowork/formSpec';
import type { HandoffRecord, HandoffRepository } from '../../cowork/handoff';
import type { Log } from '../../util/log';
import type { KeyValueStorage } from '../../cowork/ports';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import { recognizeAnswer } from '../../dialogs/answerRecognizer';
import type { Conversations } from '../turn/conversations';
import { agentTexts } from '../../dialogs/texts';
import type { AgentDirectory, AgentRecord } from './agentDirectory';
import type { HandoffProtocol, SignedHandoffStatus } from './handoffProtocol';
import type { HandoffTrust } from './handoffTrust';
import { customerFact } from './customerText';
import { keyMatches, LoginLimiter, type LoginLimiterOptions } from './loginLimiter';

/** Customers per `/agent list` page: 10 lines stay far below what a channel takes in one message. */
export const AGENT_LIST_PAGE_SIZE = 10;

export interface AgentRelayDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  storage: KeyValueStorage;
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
  /** `COWORK_AGENT_KEY`; the relay refuses every command when undefined. */
  agentKey: string | undefined;
  log: Log;
  now?: () => number;
  /** Limits on wrong keys (defaults: 5 in a row lock a conversation for 60 s, doubling; slower above 20 a minute overall). */
  loginLimits?: Omit<LoginLimiterOptions, 'storage' | 'log' | 'now'>;
}

export const AGENT_HELP_TEXT = agentTexts.help;

export const CARD_CLICK_TEXT = agentTexts.cardClick;

/** This turn's agent record lookup (`agentOfTurn`). */
const AGENT_OF_TURN = Symbol('cowork.agentOfTurn');

/** True for what a card's button sends (a value, or `channelData.postBack`), as opposed to typed text. */
function isCardClick(activity: TurnActivity): boolean {
  const channelData = activity.channelData as { postBack?: unknown } | undefined;
  return activity.value !== undefined || channelData?.postBack === true;
}

export class AgentRelay {
  private readonly now: () => number;
  private readonly limiter: LoginLimiter;

  constructor(private readonly deps: AgentRelayDeps) {
    this.now = deps.now ?? Date.now;
    this.limiter = new LoginLimiter({ storage: deps.storage, log: deps.log, now: this.now, ...deps.loginLimits });
  }

  /** Whether `onTurn` would take this turn (a `/agent` command, or a message of a logged-in agent's conversation), deciding only. */
  async takes(context: CoworkTurn): Promise<boolean> {
    if (context.activity.type !== 'message') return false;
    if (/^\/agent\b/i.test((context.activity.text ?? '').trim())) return true;
    if (!this.deps.agentKey) return false;
    return (await this.agentOfTurn(context)) !== undefined;
  }

  /** Takes the turn when it is an agent's (a `/agent` command, or any message of a logged-in agent conversation). */
  async onTurn(context: CoworkTurn): Promise<boolean> {
    if (context.activity.type !== 'message') return false;
    const text = (context.activity.text ?? '').trim();
    const command = /^\/agent\b/i.test(text);
    // Relay off (no COWORK_AGENT_KEY): no agent can be logged in, so a customer's turn costs no storage read.
    if (!command && !this.deps.agentKey) return false;
    const agent = await this.agentOfTurn(context);
    if (!command && !agent) return false;
    // A card click (Action.Submit, postBack) is not the agent typing: whatever card it came from, it
    // never runs an agent command, and the relay offers no buttons of its own.
    if (agent && isCardClick(context.activity)) {
      this.deps.log.warn({ conversationId: context.activity.conversation.id, command }, 'agent card click ignored');
      await context.sendActivity(CARD_CLICK_TEXT);
      return true;
    }
    if (command && isCardClick(context.activity)) {
      await context.sendActivity(CARD_CLICK_TEXT);
      return true;
    }
    if (!command && agent) {
      await this.relayToCustomer(context, agent);
      return true;
    }
    await this.command(context, text.replace(/^\/agent\b/i, '').trim(), agent);
    return true;
  }

  private async command(context: CoworkTurn, rest: string, agent: AgentRecord | undefined): Promise<void> {
    const [verb = '', ...args] = rest.split(/\s+/);
    const argument = args.join(' ').trim();
    if (!this.deps.agentKey) {
      await context.sendActivity(agentTexts.relayOff);
      return;
    }
    if (verb.toLowerCase() === 'login') {
      await this.login(context, argument);
      return;
    }
    if (!agent) {
      this.deps.log.warn({ conversationId: context.activity.conversation.id, verb: verb.slice(0, 20) }, 'agent command refused: not logged in');
      await context.sendActivity('Please log in first: `/agent login <key>`.');
      return;
    }
    switch (verb.toLowerCase()) {
      case 'list':
        return this.list(context, agent, argument);
      case 'take':
        return this.take(context, agent, argument);
      case 'answer':
        return this.answer(context, agent, argument);
      case 'done':
        return this.handBack(context, agent);
      case 'logout':
        if (agent.customerConversationId) {
          await context.sendActivity('Hand the conversation back first: `/agent done`.');
          return;
        }
        await this.deps.agents.remove(agent.conversationId);
        await context.sendActivity(agentTexts.loggedOut);
        return;
      default:
        await context.sendActivity(AGENT_HELP_TEXT);
    }
  }

  private async login(context: CoworkTurn, key: string): Promise<void> {
    const conversationId = context.activity.conversation.id;
    // Wrong keys lock out the guessing conversation and slow everyone down; they never refuse a
    // conversation that has not guessed (loginLimiter.ts), and the counts live in storage.
    const gate = await this.limiter.before(conversationId);
    if (!gate.ok) {
      await context.sendActivity(agentTexts.tooManyKeys(gate.retryInSeconds));
      return;
    }
    if (!keyMatches(this.deps.agentKey ?? '', key)) {
      const { failures } = await this.limiter.failed(conversationId);
      this.deps.log.warn({ conversationId, failures }, 'agent login refused: wrong key');
      await context.sendActivity(agentTexts.badKey);
      return;
    }
    await this.limiter.succeeded(conversationId);
    const now = this.now();
    const record: AgentRecord = {
      conversationId,
      agentId: context.activity.from?.id ?? conversationId,
      conversationReference: conversationReferenceOf(context.activity),
      loggedInAt: new Date(now).toISOString(),
      customerConversationId: (await this.agent(conversationId))?.customerConversationId ?? null,
    };
    await this.saveAgent(record);
    this.deps.log.info({ conversationId, agentId: record.agentId }, 'agent logged in');
    await context.sendActivity(agentTexts.loggedIn(record.agentId, AGENT_HELP_TEXT));
  }

  /** One page of the customers waiting (`/agent list [page]`): channels cap a message's size. */
  private async list(context: CoworkTurn, agent: AgentRecord, pageText: string): Promise<void> {
    const waiting = await this.deps.handoffs.waiting();
    const pages = Math.max(1, Math.ceil(waiting.length / AGENT_LIST_PAGE_SIZE));
    const page = pageText === '' ? 1 : /^\d{1,6}$/.test(pageText) ? Number(pageText) : 0;
    if (page < 1 || page > pages) {
      await context.sendActivity(agentTexts.noSuchPage(pages));
      return;
    }
    const from = (page - 1) * AGENT_LIST_PAGE_SIZE;
    const shown = waiting.slice(from, from + AGENT_LIST_PAGE_SIZE);
    const lines = await Promise.all(shown.map(async (r, i) => `${from + i + 1}. ${await this.describe(r)} (conversation ${customerFact(r.conversationId)})`));
    const mine = agent.customerConversationId ? await this.deps.handoffs.get(agent.customerConversationId) : undefined;
    const parts = [
      lines.length > 0 ? agentTexts.waiting(lines, from + 1, from + lines.length, waiting.length, page < pages ? page + 1 : undefined) : agentTexts.noneWaiting,
    ];
    if (mine?.state === 'accepted') parts.push(agentTexts.talkingTo(await this.describe(mine)));
    await context.sendActivity(parts.join('\n\n'));
  }

  private async take(context: CoworkTurn, agent: AgentRecord, which: string): Promise<void> {
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
    await this.saveAgent({ ...agent, customerConversationId: record.conversationId });
    await this.deps.handoffs.update(record.conversationId, (current) => (current ? { ...current, notes: [] } : undefined));
    const notes = taken.notes.length > 0 ? `\n\nWhile waiting:\n\n${taken.notes.map((n) => `- ${n}`).join('\n')}` : '';
    await context.sendActivity(agentTexts.nowTalkingTo(await this.describe(taken), notes));
  }

  private async answer(context: CoworkTurn, agent: AgentRecord, typed: string): Promise<void> {
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

  private async handBack(context: CoworkTurn, agent: AgentRecord): Promise<void> {
    const record = await this.held(agent);
    await this.saveAgent({ ...agent, customerConversationId: null });
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
      this.deps.log.warn({ conversationId: record.conversationId, error: String(error) }, 'handed back, but the customer could not be told');
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

  private async relayToCustomer(context: CoworkTurn, agent: AgentRecord): Promise<void> {
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
      this.deps.log.warn({ conversationId: record.conversationId, error: String(error) }, 'agent message not delivered: the customer cannot be reached');
      await context.sendActivity(agentTexts.notDelivered);
    }
  }

  /** The customer conversation this agent holds, while the handoff is still accepted by it. */
  private async held(agent: AgentRecord): Promise<HandoffRecord | undefined> {
    if (!agent.customerConversationId) return undefined;
    const record = await this.deps.handoffs.get(agent.customerConversationId);
    return record?.state === 'accepted' && record.agentConversationId === agent.conversationId ? record : undefined;
  }

  private async describe(record: HandoffRecord): Promise<string> {
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

  /** The turn's agent record, read once per turn (the Agents host's first selector asks `takes` before `onTurn`). */
  private agentOfTurn(context: CoworkTurn): Promise<AgentRecord | undefined> {
    const known = context.turnState.get(AGENT_OF_TURN) as Promise<AgentRecord | undefined> | undefined;
    if (known) return known;
    const agent = this.agent(context.activity.conversation.id);
    context.turnState.set(AGENT_OF_TURN, agent);
    return agent;
  }

  private agent(conversationId: string): Promise<AgentRecord | undefined> {
    return this.deps.agents.get(conversationId);
  }

  private saveAgent(record: AgentRecord): Promise<void> {
    return this.deps.agents.save(record);
  }
}
