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
 *
 * This file is the agent's side (which turns are an agent's, the commands, login and logout, the
 * waiting list); what is done in the customer's conversation is `agentRelayCustomer.ts`.
 */
import { type CoworkTurn, type TurnActivity, conversationReferenceOf } from '../../dialogs/coworkTurn';
import type { KeyValueStorage } from '../../cowork/ports';
import { agentTexts } from '../../dialogs/texts';
import type { AgentRecord } from './agentDirectory';
import { AgentRelayCustomer, type AgentRelayCustomerDeps } from './agentRelayCustomer';
import { customerFact } from './customerText';
import { keyMatches, LoginLimiter, type LoginLimiterOptions } from './loginLimiter';

/** Customers per `/agent list` page: 10 lines stay far below what a channel takes in one message. */
export const AGENT_LIST_PAGE_SIZE = 10;

/** What the customer's side needs (`AgentRelayCustomerDeps`), and the agent's side: the key and its login limits. */
export interface AgentRelayDeps extends AgentRelayCustomerDeps {
  /** Where the wrong-key counts of logins live. */
  storage: KeyValueStorage;
  /** `COWORK_AGENT_KEY`; the relay refuses every command when undefined. */
  agentKey: string | undefined;
  now?: () => number;
  /** Limits on wrong keys (defaults: 5 in a row lock a conversation for 60 s, doubling; slower above 20 a minute overall). */
  loginLimits?: Omit<LoginLimiterOptions, 'storage' | 'log' | 'now'> | undefined;
}

export const AGENT_HELP_TEXT = agentTexts.help;

export const CARD_CLICK_TEXT = agentTexts.cardClick;

/** True for what a card's button sends (a value, or `channelData.postBack`), as opposed to typed text. */
/** This turn's agent record lookup (`agentOfTurn`). */
const AGENT_OF_TURN = Symbol('cowork.agentOfTurn');

function isCardClick(activity: TurnActivity): boolean {
  const channelData = activity.channelData as { postBack?: unknown } | undefined;
  return activity.value !== undefined || channelData?.postBack === true;
}

export class AgentRelay {
  private readonly now: () => number;
  private readonly limiter: LoginLimiter;
  private readonly customers: AgentRelayCustomer;

  constructor(private readonly deps: AgentRelayDeps) {
    this.now = deps.now ?? Date.now;
    this.limiter = new LoginLimiter({ storage: deps.storage, log: deps.log, now: this.now, ...deps.loginLimits });
    this.customers = new AgentRelayCustomer(deps, this.now);
  }

  /** Takes the turn when it is an agent's (a `/agent` command, or any message of a logged-in agent conversation). */
  /** Whether `onTurn` would take this turn (a `/agent` command, or a message of a logged-in agent's conversation), deciding only. */
  async takes(context: CoworkTurn): Promise<boolean> {
    if (context.activity.type !== 'message') return false;
    if (/^\/agent\b/i.test((context.activity.text ?? '').trim())) return true;
    if (!this.deps.agentKey) return false;
    return (await this.agentOfTurn(context)) !== undefined;
  }

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
      await this.customers.relayToCustomer(context, agent);
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
        return this.customers.take(context, agent, argument);
      case 'answer':
        return this.customers.answer(context, agent, argument);
      case 'done':
        return this.customers.handBack(context, agent);
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
    const lines = await Promise.all(
      shown.map(async (r, i) => `${from + i + 1}. ${await this.customers.describe(r)} (conversation ${customerFact(r.conversationId)})`),
    );
    const mine = agent.customerConversationId ? await this.deps.handoffs.get(agent.customerConversationId) : undefined;
    const parts = [
      lines.length > 0 ? agentTexts.waiting(lines, from + 1, from + lines.length, waiting.length, page < pages ? page + 1 : undefined) : agentTexts.noneWaiting,
    ];
    if (mine?.state === 'accepted') parts.push(agentTexts.talkingTo(await this.customers.describe(mine)));
    await context.sendActivity(parts.join('\n\n'));
  }

  private agent(conversationId: string): Promise<AgentRecord | undefined> {
    return this.deps.agents.get(conversationId);
  }

  private saveAgent(record: AgentRecord): Promise<void> {
    return this.deps.agents.save(record);
  }

  /** The turn's agent record, read once per turn (the Agents host's first selector asks `takes` before `onTurn`). */
  private agentOfTurn(context: CoworkTurn): Promise<AgentRecord | undefined> {
    const known = context.turnState.get(AGENT_OF_TURN) as Promise<AgentRecord | undefined> | undefined;
    if (known) return known;
    const agent = this.agent(context.activity.conversation.id);
    context.turnState.set(AGENT_OF_TURN, agent);
    return agent;
  }
}
