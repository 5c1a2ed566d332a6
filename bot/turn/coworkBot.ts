/**
 * The bot's turn logic: the turn pipeline as named steps, and the routes as data (name, selector,
 * rank, handler), host-neutral. botbuilder's host runs `run` (every route, in rank order); the Agents
 * SDK's host (`mountCowork`, bot/agents) registers each route in its `AgentApplication` with its rank
 * and runs `runRoute` for the one it picked. Card actions are routed by their verb (cardActions.ts).
 * The co-work logic itself lives in `cowork/` (use cases) and `dialogs/` (the customer's side of the form).
 */
import type { StartOutcome } from '../../cowork/coworkService';
import type { HandoffRecord } from '../../cowork/stores/handoff';
import { asksForPerson, withoutDeclinedPerson } from '../../dialogs/personRequest';
import type { FormSpec } from '../../cowork/domain/formSpec';
import { FormConversation, isCardSubmit } from '../../dialogs/formConversation';
import { conversationReferenceOf, isEvent, isMessage, type CoworkTurn } from '../../dialogs/coworkTurn';
import { textsFor } from '../../dialogs/texts';
import { startFailureReply } from '../../dialogs/replies';
import { MAX_TEXT_LENGTH } from '../edge/activityGuard';
import type { Conversations } from './conversations';
import { CardActions } from './cardActions';
import { withoutRecipientMention } from './mentions';
import { DEFAULT_START_TOKEN_MAX_MINUTES } from './startToken';
import { TokenEvents } from './tokenEvents';
import { HandoffTurns } from './handoffTurns';
import { ROUTE_RANKS, type CoworkRoute } from './routes';
import type { CoworkBotOptions } from './coworkBotOptions';

export type { CoworkBotOptions } from './coworkBotOptions';
export { ROUTE_RANKS, type CoworkRoute } from './routes';

/** The English help (the catalog has every locale's: see dialogs/texts.ts). */
export const HELP_TEXT = textsFor('en').help;
export const DEV_HELP_TEXT = textsFor('en').devHelp;

/** One step of a turn, in order; a step that resolves `done` ends the turn's routing (the state is still saved). */
interface TurnStep {
  name: string;
  run: (turn: CoworkTurn, route: CoworkRoute | undefined) => Promise<'next' | 'done'>;
}

export class CoworkBot {
  /** co-work's routes, in rank order (a mounted co-work has no greeting, help, or typed request for a person). */
  readonly routes: readonly CoworkRoute[];
  /** The customer's side of the form (host-neutral: dialogs/formConversation.ts). */
  readonly form: FormConversation;
  private readonly conversations: Conversations;
  private readonly cardActions: CardActions;
  private readonly tokens: TokenEvents;
  private readonly handoffTurns: HandoffTurns;
  private readonly steps: readonly TurnStep[];

  constructor(private readonly options: CoworkBotOptions) {
    this.conversations = options.conversations;
    const mounted = options.mounted === true;
    this.form = new FormConversation({
      service: options.service,
      state: this.conversations.formState,
      passUnrecognised: mounted,
      ...(options.recognizer ? { recognizer: options.recognizer } : {}),
      handoffOffered: (channelId) => this.canHandOff(channelId),
      formCards: this.conversations.formCards,
    });
    this.cardActions = new CardActions({
      service: options.service,
      conversations: this.conversations,
      form: this.form,
      defaultForm: options.form,
      log: options.log,
      startSession: (turn, caseRef) => this.startSession(turn, caseRef),
      askForPerson: (turn, session) => this.handoffTurns.askForPerson(turn, 'card', session),
    });
    this.handoffTurns = new HandoffTurns({
      service: options.service,
      conversations: this.conversations,
      defaultForm: options.form,
      log: options.log,
      ...(options.handoff ? { handoff: options.handoff } : {}),
    });
    this.tokens = new TokenEvents({
      secret: options.startSecret,
      maxLifetimeSeconds: options.startTokenMaxSeconds ?? DEFAULT_START_TOKEN_MAX_MINUTES * 60,
      ...(options.links ? { links: options.links } : {}),
      log: options.log,
      startSession: (turn, caseRef) => this.startSession(turn, caseRef),
    });
    const r = ROUTE_RANKS;
    const routes: Array<CoworkRoute & { standaloneOnly?: true }> = [
      { name: 'welcome', rank: r.protocol, selector: (c) => c.activity.type === 'conversationUpdate', handler: (c) => this.welcome(c), standaloneOnly: true },
      { name: 'handoff.status', rank: r.protocol, selector: (c) => isEvent(c, 'handoff.status'), handler: (c) => this.handoffTurns.statusEvent(c) },
      { name: 'cowork.start', rank: r.protocol, selector: (c) => isEvent(c, 'cowork.start'), handler: (c) => this.tokens.start(c) },
      { name: 'cowork.link', rank: r.protocol, selector: (c) => isEvent(c, 'cowork.link'), handler: (c) => this.tokens.link(c) },
      {
        name: 'too-long',
        rank: r.protocol,
        selector: (c) => isMessage(c) && (c.activity.text ?? '').length > MAX_TEXT_LENGTH,
        handler: (c) => this.tooLong(c),
        standaloneOnly: true,
      },
      // One route per verb (`submit`, `confirm`, `change`, `handoff`, and an unknown one), as the Agents SDK's `actionSubmit`.
      ...this.cardActions.verbs.map((verb) => ({
        name: `card.${verb}`,
        rank: r.cardAction,
        selector: (c: CoworkTurn) => isMessage(c) && isCardSubmit(c.activity.value) && this.cardActions.verbOf(c.activity.value) === verb,
        handler: (c: CoworkTurn) => this.cardActions.run(c, verb),
      })),
      { name: 'dev-start', rank: r.commands, selector: (c) => isMessage(c) && /^\/cowork\b/i.test(text(c)), handler: (c) => this.devStart(c) },
      {
        name: 'help',
        rank: r.text,
        selector: (c) => isMessage(c) && /^\s*(help|aide|\?|\/help)\s*$/i.test(text(c)),
        handler: (c) => this.help(c),
        standaloneOnly: true,
      },
      {
        name: 'ask-person',
        rank: r.text,
        selector: (c) => isMessage(c) && asksForPerson(text(c)),
        handler: (c) => this.handoffTurns.askForPerson(c, 'typed'),
        standaloneOnly: true,
      },
      // On its own every other message is co-work's (an answer, or help); mounted, only while a form is open.
      {
        name: 'form',
        rank: r.form,
        selector: async (c) => isMessage(c) && (!mounted || (await this.form.isOpen(c))),
        handler: (c) => this.continueFormOrHelp(c),
      },
    ];
    this.routes = routes.filter((route) => !(mounted && route.standaloneOnly)).sort((a, b) => a.rank - b.rank);
    // The turn, step by step (the Agents SDK's `runInternal` reads the same way).
    this.steps = [
      { name: 'agent conversation', run: async (c) => (this.options.agentTurn && (await this.options.agentTurn(c)) ? 'done' : 'next') },
      { name: 'record the typed turn', run: async (c) => (await this.conversations.recordTurns(c), 'next') },
      { name: 'a person owns the chat', run: (c) => this.humanOwnerStep(c) },
      { name: 'route', run: (c, route) => this.routeStep(c, route) },
    ];
  }

  /**
   * Runs one turn through every route and saves the conversation's state. Resolves whether the turn
   * was co-work's: always true on its own, false when mounted and the activity is the host bot's.
   */
  run(turn: CoworkTurn): Promise<boolean> {
    return this.runRoute(turn, undefined);
  }

  /**
   * Runs one turn through the pipeline with `route` as its route (the Agents host picked it by its
   * selector), or, with none, the first route whose selector takes it.
   */
  async runRoute(turn: CoworkTurn, route: CoworkRoute | undefined): Promise<boolean> {
    // "<at>Cowork Bot</at> /agent list" (Teams, the Playground's Group Chat) routes as "/agent list".
    const typed = turn.activity.text;
    if (isMessage(turn)) turn.activity.text = withoutRecipientMention(turn.activity) as string;
    turn.turnState.set(HANDLED, true);
    this.conversations.beginTurn(turn);
    for (const step of this.steps) if ((await step.run(turn, route)) === 'done') break;
    await this.conversations.save(turn);
    const handled = turn.turnState.get(HANDLED) === true;
    // Mounted, a turn co-work leaves to the host reaches it as it came.
    if (!handled) turn.activity.text = typed as string;
    return handled;
  }

  /**
   * Whether the pipeline takes this turn before any route would: an agent's conversation of the
   * local relay, or a customer's message while a person owns the chat (the Agents host's first route).
   */
  async takesBeforeRoutes(turn: CoworkTurn): Promise<boolean> {
    if (this.options.agentTurn && this.options.isAgentConversation && (await this.options.isAgentConversation(turn))) return true;
    if (!isMessage(turn) || !this.options.handoff) return false;
    // A selector, outside the conversation's queue: its own read (the state is loaded only inside the queue).
    return (await this.ownerOf(turn, 'alone')) !== undefined;
  }

  /**
   * Who owns the conversation (a person, or nobody), read once per turn: the Agents host's first selector asks
   * too. `withState` (inside the conversation's queue, the pipeline's step): the record as the turn's state load
   * read it, in the same request where the storage keeps them together (STORAGE=table). As safe as a read of its
   * own here: either the state is not loaded yet (a card submit: loaded now, with the record, at this very
   * point), or the turn loaded it in 'record the typed turn', the step just before, and did nothing between
   * but in this process (no send, no write, no other request): a takeover landing in between is the same as
   * one landing just after a read here, which no turn can tell from the other either.
   */
  private ownerOf(turn: CoworkTurn, read: 'withState' | 'alone'): Promise<HandoffRecord | undefined> {
    const known = turn.turnState.get(OWNER) as Promise<HandoffRecord | undefined> | undefined;
    if (known) return known;
    const { handoff } = this.options;
    const owner = handoff ? handoff.owner(turn.activity.conversation.id, read === 'withState' ? turn : undefined) : Promise.resolve(undefined);
    turn.turnState.set(OWNER, owner);
    return owner;
  }

  private async humanOwnerStep(turn: CoworkTurn): Promise<'next' | 'done'> {
    let owner = isMessage(turn) ? await this.ownerOf(turn, 'withState') : undefined;
    if (owner && this.options.handoff?.overdue(owner)) {
      // No person accepted in time: the bot takes the conversation back, then handles this message.
      await this.options.handoff.giveUpOverdue(turn, await this.conversations.latestSession(turn));
      owner = undefined;
    }
    // While a request waits for a person, a card submit still gets its acknowledgement (and later its thank-you).
    if (owner?.state === 'requested' && isCardSubmit(turn.activity.value)) owner = undefined;
    if (!owner) return 'next';
    await this.handoffTurns.whileHumanOwned(turn, owner);
    return 'done';
  }

  private async routeStep(turn: CoworkTurn, picked: CoworkRoute | undefined): Promise<'next' | 'done'> {
    let route = picked;
    if (!route)
      for (const candidate of this.routes)
        if (await candidate.selector(turn)) {
          route = candidate;
          break;
        }
    const handled = route !== undefined && (await route.handler(turn)) !== false;
    turn.turnState.set(HANDLED, handled);
    return 'done';
  }

  /** In a proactive turn of a conversation whose handoff request no person accepted in time. */
  async handoffTimedOut(context: CoworkTurn): Promise<void> {
    await this.options.handoff?.giveUpOverdue(context, await this.conversations.latestSession(context));
    await this.conversations.save(context);
  }

  private canHandOff(channelId: string | undefined): boolean {
    return this.options.handoff?.offeredOnCard(channelId) === true;
  }

  private async welcome(context: CoworkTurn): Promise<void> {
    const botId = context.activity.recipient?.id;
    const added: unknown = context.activity.membersAdded;
    if (
      added !== undefined &&
      (!Array.isArray(added) || !added.every((m) => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string'))
    ) {
      this.options.log.debug({ conversationId: context.activity.conversation?.id }, 'conversationUpdate ignored: malformed membersAdded');
      return;
    }
    const joined = ((added ?? []) as Array<{ id: string }>).filter((m) => m.id !== botId);
    if (joined.length === 0) return;
    const texts = textsFor(context.activity.locale);
    await context.sendActivity(this.options.devCommands ? `${texts.hello} ${texts.help}\n\n${texts.devHelp}` : `${texts.hello} ${texts.help}`);
  }

  private async help(context: CoworkTurn): Promise<void> {
    const texts = textsFor(context.activity.locale);
    await context.sendActivity(this.options.devCommands ? `${texts.help}\n\n${texts.devHelp}` : texts.help);
  }

  private async tooLong(context: CoworkTurn): Promise<void> {
    await context.sendActivity(textsFor(context.activity.locale).tooLong(MAX_TEXT_LENGTH));
  }

  private async devStart(context: CoworkTurn): Promise<void> {
    const texts = textsFor(context.activity.locale);
    if (!this.options.devCommands) {
      await context.sendActivity(texts.devOnly);
      return;
    }
    const ref = text(context)
      .replace(/^\/cowork\b/i, '')
      .trim();
    if (!ref) {
      await context.sendActivity(texts.devUsage);
      return;
    }
    await this.startSession(context, ref);
  }

  /**
   * In a proactive turn of a linked conversation: an agent asked from the Case for the form. The
   * session starts exactly as if the customer's chat had started it (scripted message, form);
   * a Case that cannot take it is the agent's to hear about, not the customer's, so nothing is sent then.
   */
  async startRequested(
    context: CoworkTurn,
    caseId: string,
    form: FormSpec,
    statusDetail?: string,
    onStarted?: (sessionKey: string) => void,
  ): Promise<StartOutcome> {
    const outcome = await this.options.service.start({
      caseRef: caseId,
      form,
      conversationId: context.activity.conversation.id,
      conversationReference: conversationReferenceOf(context.activity),
      userId: context.activity.from?.id ?? '',
      ...(statusDetail !== undefined ? { statusDetail } : {}),
    });
    if (outcome.kind === 'started') {
      // Known before anything is sent: if the send fails, the caller can abandon the session.
      onStarted?.(outcome.session.key);
      await this.conversations.addSession(context, outcome.session.key);
      await this.form.begin(context, { sessionKey: outcome.session.key });
    }
    await this.conversations.save(context);
    return outcome;
  }

  private async startSession(context: CoworkTurn, caseRef: string): Promise<void> {
    const outcome = await this.options.service.start({
      caseRef,
      form: this.options.form,
      conversationId: context.activity.conversation.id,
      conversationReference: conversationReferenceOf(context.activity),
      userId: context.activity.from?.id ?? '',
    });
    const texts = textsFor(context.activity.locale);
    const failure = startFailureReply(outcome, texts);
    if (failure !== undefined || outcome.kind !== 'started') {
      await context.sendActivity(failure ?? texts.couldNotStart);
      return;
    }
    await this.conversations.addSession(context, outcome.session.key);
    if (outcome.replacedHere > 0) await context.sendActivity(textsFor(context.activity.locale).replacesEarlier(outcome.session.caseNumber));
    await this.form.begin(context, { sessionKey: outcome.session.key, session: outcome.session });
  }

  /** An answer to the open form; otherwise help (on its own) or nothing (mounted: the host's turn). */
  private async continueFormOrHelp(context: CoworkTurn): Promise<boolean> {
    // "I don't want to talk to an agent, renovation please": the declined person is no part of the answer.
    const typed = withoutDeclinedPerson(context.activity.text ?? '');
    const outcome = await this.form.continue(context, typed);
    if (outcome !== 'ended') return outcome === 'handled';
    if (this.options.mounted) return false;
    await this.help(context);
    return true;
  }
}

/** This turn's owner lookup (`ownerOf`). */
const OWNER = Symbol('cowork.owner');

/** Whether this turn was co-work's (set by the route step). */
const HANDLED = Symbol('cowork.handled');

function text(context: CoworkTurn): string {
  return (context.activity.text ?? '').trim();
}
