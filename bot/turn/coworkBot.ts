/**
 * The bot's turn logic as a small routing table: each route says which activities it takes
 * and what it does. The co-work logic itself lives in `cowork/` (use cases) and `dialogs/`
 * (the customer's side of the form).
 */
import { ActivityTypes, type TurnContext, TurnContext as TC } from 'botbuilder';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import type { CoworkService, StartOutcome } from '../../cowork/coworkService';
import type { CaseLinks } from '../../cowork/stores/links';
import { isHandoffStatusState, type HandoffRecord } from '../../cowork/stores/handoff';
import { asksForPerson, withoutDeclinedPerson } from '../../dialogs/personRequest';
import type { CoworkSession } from '../../cowork/domain/session';
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { Log } from '../../util/log';
import { messagesFor, typedAnswerInputOf } from '../../cowork/domain/formSpec';
import type { AnswerRecognizer } from '../../dialogs/answerRecognizer';
import { choicesText, clearPendingAnswer, COWORK_FORM_DIALOG, CoworkFormDialog, isCardSubmit, leftToHost, setTypedText } from '../../dialogs/coworkFormDialog';
import { agentTexts, textsFor } from '../../dialogs/texts';
import { startFailureReply, submitOutcomeReply } from '../../dialogs/replies';
import { MAX_TEXT_LENGTH } from '../edge/activityGuard';
import type { Conversations } from './conversations';
import { HANDOFF_REQUESTED_TEXT, type HandoffProtocol } from '../handoff/handoffProtocol';
import { LOST_FORM_TEXT } from './lostForm';
import { withoutRecipientMention } from './mentions';
import { DEFAULT_START_TOKEN_MAX_MINUTES, verifyStartToken } from './startToken';

export interface CoworkBotOptions {
  service: CoworkService;
  /** The conversation's dialogs, recent sessions and form cards (shared with the proactive effects and the agent relay). */
  conversations: Conversations;
  form: FormSpec;
  devCommands: boolean;
  startSecret: string | undefined;
  /** Longest lifetime of a cowork.start token, in seconds (default 15 minutes). */
  startTokenMaxSeconds?: number;
  log: Log;
  /**
   * Human handoff (customer side). A person is offered only where it has a target for the
   * card's chat (`HandoffProtocol.offeredOnCard`); without it, asking for one is answered "not available".
   */
  handoff?: HandoffProtocol;
  /** Takes the turns of agent conversations (the local agent relay); resolves true when it handled the turn. */
  agentTurn?: (context: TurnContext) => Promise<boolean>;
  /**
   * Mounted in another bot: take only co-work's activities (start, card submits, `/cowork`, the
   * handoff protocol, answers to an open form) and leave greetings, help and everything else to
   * the host bot.
   */
  mounted?: boolean;
  /** Case → conversation links (`cowork.link`), for the agent's requests from the Case. */
  links?: CaseLinks;
  /** Understands typed answers; the built-in one by default. Its answers are always confirmed before they are sent. */
  recognizer?: AnswerRecognizer;
}

interface Route {
  name: string;
  matches: (context: TurnContext) => boolean;
  /** Resolves false when, after all, the route left the activity alone. */
  handle: (context: TurnContext) => Promise<boolean | void>;
  /** Only when the bot runs on its own: a host bot has its own greeting and help. */
  standaloneOnly?: true;
}

/** The English help (the catalog has every locale's: see dialogs/texts.ts). */
export const HELP_TEXT = textsFor('en').help;
export const DEV_HELP_TEXT = textsFor('en').devHelp;

export class CoworkBot {
  private readonly routes: Route[];
  private readonly conversations: Conversations;

  constructor(private readonly options: CoworkBotOptions) {
    this.conversations = options.conversations;
    // The form dialog needs the core and the bot's handoff settings: it joins the shared dialog set here.
    this.conversations.dialogs.add(
      new CoworkFormDialog(
        options.service,
        options.mounted === true,
        options.recognizer,
        (channelId) => this.canHandOff(channelId),
        this.conversations.formCards,
      ),
    );
    const routes: Route[] = [
      { name: 'welcome', matches: (c) => c.activity.type === ActivityTypes.ConversationUpdate, handle: (c) => this.welcome(c), standaloneOnly: true },
      { name: 'handoff-status', matches: (c) => isEvent(c, 'handoff.status'), handle: (c) => this.handoffStatusEvent(c) },
      { name: 'start', matches: (c) => isEvent(c, 'cowork.start'), handle: (c) => this.startFromToken(c) },
      { name: 'link', matches: (c) => isEvent(c, 'cowork.link'), handle: (c) => this.linkFromToken(c) },
      {
        name: 'too-long',
        matches: (c) => isMessage(c) && (c.activity.text ?? '').length > MAX_TEXT_LENGTH,
        handle: (c) => this.tooLong(c),
        standaloneOnly: true,
      },
      { name: 'card-submit', matches: (c) => isMessage(c) && isCardSubmit(c.activity.value), handle: (c) => this.cardSubmit(c) },
      { name: 'dev-start', matches: (c) => isMessage(c) && /^\/cowork\b/i.test(text(c)), handle: (c) => this.devStart(c) },
      { name: 'help', matches: (c) => isMessage(c) && /^\s*(help|aide|\?|\/help)\s*$/i.test(text(c)), handle: (c) => this.help(c), standaloneOnly: true },
      { name: 'ask-person', matches: (c) => isMessage(c) && asksForPerson(text(c)), handle: (c) => this.askForPerson(c, 'typed'), standaloneOnly: true },
      { name: 'form', matches: isMessage, handle: (c) => this.continueFormOrHelp(c) },
    ];
    this.routes = routes.filter((route) => !(options.mounted && route.standaloneOnly));
  }

  /**
   * Runs one turn and saves the conversation's state. Resolves whether the turn was co-work's:
   * always true on its own, false when mounted and the activity is the host bot's to handle.
   */
  async run(context: TurnContext): Promise<boolean> {
    // "<at>Cowork Bot</at> /agent list" (Teams, the Playground's Group Chat) routes as "/agent list".
    const typed = context.activity.text;
    if (isMessage(context)) context.activity.text = withoutRecipientMention(context.activity) as string;
    const handled = await this.route(context);
    // Mounted, a turn co-work leaves to the host reaches it as it came.
    if (!handled) context.activity.text = typed as string;
    return handled;
  }

  private async route(context: TurnContext): Promise<boolean> {
    if (this.options.agentTurn && (await this.options.agentTurn(context))) return true;
    await this.conversations.recordTurns(context);
    let handled = true;
    let owner = isMessage(context) ? await this.options.handoff?.owner(context.activity.conversation.id) : undefined;
    if (owner && this.options.handoff?.overdue(owner)) {
      // No person accepted in time: the bot takes the conversation back, then handles this message.
      await this.options.handoff.giveUpOverdue(context, await this.conversations.latestSession(context));
      owner = undefined;
    }
    // While a request waits for a person, a card submit still gets its acknowledgement (and later its thank-you).
    if (owner?.state === 'requested' && isCardSubmit(context.activity.value)) owner = undefined;
    if (owner) {
      await this.whileHumanOwned(context, owner);
    } else {
      const route = this.routes.find((r) => r.matches(context));
      handled = route !== undefined && (await route.handle(context)) !== false;
    }
    await this.conversations.save(context);
    return handled;
  }

  /** In a proactive turn of a conversation whose handoff request no person accepted in time. */
  async handoffTimedOut(context: TurnContext): Promise<void> {
    await this.options.handoff?.giveUpOverdue(context, await this.conversations.latestSession(context));
    await this.conversations.save(context);
  }

  private canHandOff(channelId: string | undefined): boolean {
    return this.options.handoff?.offeredOnCard(channelId) === true;
  }

  private async welcome(context: TurnContext): Promise<void> {
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

  private async help(context: TurnContext): Promise<void> {
    const texts = textsFor(context.activity.locale);
    await context.sendActivity(this.options.devCommands ? `${texts.help}\n\n${texts.devHelp}` : texts.help);
  }

  private async tooLong(context: TurnContext): Promise<void> {
    await context.sendActivity(textsFor(context.activity.locale).tooLong(MAX_TEXT_LENGTH));
  }

  private async devStart(context: TurnContext): Promise<void> {
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

  private async startFromToken(context: TurnContext): Promise<void> {
    const texts = textsFor(context.activity.locale);
    const secret = this.options.startSecret;
    if (!secret) {
      this.options.log.warn({ conversationId: context.activity.conversation.id }, 'cowork.start refused: COWORK_START_SECRET is not configured');
      await context.sendActivity(texts.startNotSetUp);
      return;
    }
    const value = context.activity.value as { token?: unknown } | undefined;
    const check = verifyStartToken(secret, value?.token, {
      userId: context.activity.from?.id ?? '',
      conversationId: context.activity.conversation.id,
      maxLifetimeSeconds: this.options.startTokenMaxSeconds ?? DEFAULT_START_TOKEN_MAX_MINUTES * 60,
    });
    if (!check.ok) {
      this.options.log.warn({ conversationId: context.activity.conversation.id, reason: check.reason }, 'cowork.start refused');
      await context.sendActivity(texts.startRefused(check.reason));
      return;
    }
    await this.startSession(context, check.claims.caseId);
  }

  /**
   * The host's signed `cowork.link` (same token as `cowork.start`): links this conversation to the
   * Case so an agent can send the form from the Case later. Starts no form and says nothing to
   * the customer, who did not ask for anything; a refused token is logged.
   */
  private async linkFromToken(context: TurnContext): Promise<void> {
    const secret = this.options.startSecret;
    const conversationId = context.activity.conversation.id;
    if (!secret || !this.options.links) {
      this.options.log.warn({ conversationId }, 'cowork.link refused: COWORK_START_SECRET is not configured');
      return;
    }
    const value = context.activity.value as { token?: unknown } | undefined;
    const check = verifyStartToken(secret, value?.token, {
      userId: context.activity.from?.id ?? '',
      conversationId,
      maxLifetimeSeconds: this.options.startTokenMaxSeconds ?? DEFAULT_START_TOKEN_MAX_MINUTES * 60,
    });
    if (!check.ok) {
      this.options.log.warn({ conversationId, reason: check.reason }, 'cowork.link refused');
      return;
    }
    await this.options.links.link(check.claims.caseId, {
      conversationId,
      conversationReference: TC.getConversationReference(context.activity) as unknown as Record<string, unknown>,
      userId: context.activity.from?.id ?? '',
    });
    this.options.log.info({ conversationId, caseId: check.claims.caseId }, 'conversation linked to the Case');
  }

  /**
   * In a proactive turn of a linked conversation: an agent asked from the Case for the form. The
   * session starts exactly as if the customer's chat had started it (scripted message, form);
   * a Case that cannot take it is the agent's to hear about, not the customer's, so nothing is sent then.
   */
  async startRequested(
    context: TurnContext,
    caseId: string,
    form: FormSpec,
    statusDetail?: string,
    onStarted?: (sessionKey: string) => void,
  ): Promise<StartOutcome> {
    const outcome = await this.options.service.start({
      caseRef: caseId,
      form,
      conversationId: context.activity.conversation.id,
      conversationReference: TC.getConversationReference(context.activity) as unknown as Record<string, unknown>,
      userId: context.activity.from?.id ?? '',
      ...(statusDetail !== undefined ? { statusDetail } : {}),
    });
    if (outcome.kind === 'started') {
      // Known before anything is sent: if the send fails, the caller can abandon the session.
      onStarted?.(outcome.session.key);
      await this.conversations.addSession(context, outcome.session.key);
      const dc = await this.conversations.dialogs.createContext(context);
      await dc.cancelAllDialogs();
      await dc.beginDialog(COWORK_FORM_DIALOG, { sessionKey: outcome.session.key });
    }
    await this.conversations.save(context);
    return outcome;
  }

  private async startSession(context: TurnContext, caseRef: string): Promise<void> {
    const outcome = await this.options.service.start({
      caseRef,
      form: this.options.form,
      conversationId: context.activity.conversation.id,
      conversationReference: TC.getConversationReference(context.activity) as unknown as Record<string, unknown>,
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
    const dc = await this.conversations.dialogs.createContext(context);
    await dc.cancelAllDialogs();
    await dc.beginDialog(COWORK_FORM_DIALOG, { sessionKey: outcome.session.key, session: outcome.session });
  }

  /** A card's Action.Submit: only its form token names the session, and only among this conversation's sessions. */
  private async cardSubmit(context: TurnContext): Promise<void> {
    const value = context.activity.value as Record<string, unknown>;
    const service = this.options.service;
    const session = await this.conversations.sessionForSubmit(context, value);
    const form = (session && service.form(session.formId)) ?? this.options.form;
    if (!session) {
      const lost = await service.lostForm(value.formToken, context.activity.conversation.id);
      if (lost) {
        this.options.log.warn(
          { conversationId: context.activity.conversation.id, caseId: lost.caseId },
          'card submit for a form lost in a restart: sending the form again',
        );
        await context.sendActivity(LOST_FORM_TEXT);
        await this.startSession(context, lost.caseId);
        return;
      }
      this.options.log.warn({ conversationId: context.activity.conversation.id }, 'card submit refused: unknown form token');
      await context.sendActivity(messagesFor(form, context.activity.locale).refusals.staleForm);
      return;
    }
    const texts = textsFor(context.activity.locale);
    if (value.cowork === 'handoff') {
      await this.askForPerson(context, 'card', session);
      return;
    }
    if (value.cowork === 'change' || value.cowork === 'confirm') {
      // A click on the confirmation of a typed answer: whichever it is, that answer no longer waits.
      const dc = await this.conversations.dialogs.createContext(context);
      await clearPendingAnswer(dc, session.key);
      if (value.cowork === 'change') {
        const input = typedAnswerInputOf(form);
        const reply =
          session.state === 'form_sent' && input
            ? `${texts.changePrompt}\n\n${choicesText(texts, input, session.choices[input.id] ?? [])}`
            : messagesFor(form, context.activity.locale).alreadyReceived;
        await context.sendActivity(reply);
        return;
      }
    } else if (value.cowork !== 'submit') {
      this.options.log.debug({ conversationId: context.activity.conversation.id, action: value.cowork }, 'card action not understood');
      await context.sendActivity(texts.unknownButton);
      return;
    }
    const outcome = await service.submit({
      sessionKey: session.key,
      session,
      formToken: value.formToken,
      conversationId: context.activity.conversation.id,
      raw: value,
    });
    await context.sendActivity(submitOutcomeReply(form, outcome, texts));
    if (outcome.kind === 'accepted') await this.conversations.formCards.showSent(context, outcome.session, form);
    if (outcome.kind === 'already_received') await this.conversations.formCards.retireClicked(context, outcome.session, form);
  }

  private async askForPerson(context: TurnContext, trigger: HandoffRecord['trigger'], session?: CoworkSession): Promise<void> {
    const handoff = this.options.handoff;
    const latest = session ?? (await this.conversations.latestSession(context));
    const outcome = handoff ? await handoff.initiate(context, latest, trigger) : 'no_target';
    if (outcome === 'requested') return;
    if (outcome === 'already') {
      // Another turn or instance asked first: a person is on the way all the same.
      await context.sendActivity(HANDOFF_REQUESTED_TEXT);
      return;
    }
    // Nothing could take it, or its channel refused: say so plainly, and the form (if any) carries on.
    const texts = textsFor(context.activity.locale);
    const open = latest && latest.state === 'form_sent' ? texts.formStillOpen(latest.caseNumber) : undefined;
    const why = outcome === 'refused' ? texts.nobodyCanJoin : texts.noPersonHere;
    await context.sendActivity(open ? `${why}\n\n${open}` : why);
  }

  /** The channel's `handoff.status` event: applied when it is well-formed, never rejected. */
  private async handoffStatusEvent(context: TurnContext): Promise<void> {
    const value = context.activity.value as { state?: unknown; message?: unknown } | undefined;
    if (!isHandoffStatusState(value?.state)) {
      this.options.log.warn({ conversationId: context.activity.conversation.id }, 'handoff.status ignored: unknown state');
      return;
    }
    const handoff = this.options.handoff;
    if (handoff)
      await handoff.applyStatusEvent(
        context,
        { state: value.state, ...(typeof value.message === 'string' ? { message: value.message } : {}) },
        value,
        await this.conversations.latestSession(context),
      );
  }

  /**
   * A customer's message while a human owns the chat: the bot answers nothing. A card submit
   * still goes to the co-work core (the event updates the Case, the agent is told); anything
   * else is relayed to the agent.
   */
  private async whileHumanOwned(context: TurnContext, owner: HandoffRecord): Promise<void> {
    const handoff = this.options.handoff;
    if (!handoff) return;
    const value = context.activity.value;
    const label = agentTexts.customer(owner.caseNumber);
    if (isCardSubmit(value)) {
      const session = await this.conversations.sessionForSubmit(context, value);
      if (!session || value.cowork !== 'submit') {
        await handoff.toAgent(owner, { type: 'message', text: agentTexts.inactiveButton(label) });
        return;
      }
      const form = this.options.service.form(session.formId) ?? this.options.form;
      const outcome = await this.options.service.submit({
        sessionKey: session.key,
        formToken: value.formToken,
        conversationId: context.activity.conversation.id,
        raw: value,
      });
      await handoff.toAgent(owner, { type: 'message', text: agentTexts.customerSubmitted(label, submitOutcomeReply(form, outcome)) });
      return;
    }
    // As data, never as UI: text escaped, attachments and cards only described.
    await handoff.relayCustomerMessage(owner, context.activity);
  }

  /** An answer to the open form; otherwise help (on its own) or nothing (mounted: the host's turn). */
  private async continueFormOrHelp(context: TurnContext): Promise<boolean> {
    // "I don't want to talk to an agent, renovation please": the declined person is no part of the answer.
    const typed = withoutDeclinedPerson(context.activity.text ?? '');
    if (typed !== (context.activity.text ?? '')) setTypedText(context, typed);
    const dc = await this.conversations.dialogs.createContext(context);
    if (dc.activeDialog) {
      const result = await dc.continueDialog();
      if (result.status !== DialogTurnStatus.complete) return !leftToHost(context);
    }
    if (this.options.mounted) return false;
    await this.help(context);
    return true;
  }
}

function isMessage(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Message;
}

function isEvent(context: TurnContext, name: string): boolean {
  return context.activity.type === ActivityTypes.Event && context.activity.name === name;
}

function text(context: TurnContext): string {
  return (context.activity.text ?? '').trim();
}
