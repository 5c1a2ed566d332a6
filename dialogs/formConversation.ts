/**
 * The customer's side of a co-work session, host-neutral: it sends the scripted message and the
 * form card, then takes the answer — from the card or typed, with its confirmation — until the
 * session's event arrives (the proactive turn ends the form).
 *
 * It works on a `CoworkTurn` and keeps its state in one property of the conversation's state
 * (`FormStateStore`), so it runs the same on botbuilder and on the Microsoft 365 Agents SDK. It
 * does not use botbuilder-dialogs (nor `@microsoft/agents-hosting-dialogs`, a 0.x preview pinned to
 * `@microsoft/agents-hosting` 0.6.22, which cannot share a process with hosting 1.8): the form is
 * one step that waits, and a dialog stack gave it nothing but a second state format.
 *
 * The form keeps only the session key (and a typed answer waiting for its confirmation);
 * everything else is read from the session in storage, so the stored session stays the single truth.
 */
import type { CoworkTurn, OutgoingActivity, TurnAttachment } from './coworkTurn';
import { cardAttachment, escapeMarkdown, renderConfirmCard, renderFormCard } from '../cards';
import type { CoworkService } from '../cowork/coworkService';
import {
  choiceDescription,
  messagesFor,
  reAskText,
  requireForm,
  typedAnswerInputOf,
  type ChoiceFormInput,
  type ChoiceOption,
  type FormSpec,
} from '../cowork/domain/formSpec';
import type { CoworkSession } from '../cowork/domain/session';
import { isPending } from '../cowork/domain/session';
import { builtInRecognizer, MIN_CANDIDATE_CONFIDENCE, type AnswerRecognizer, type TypedAnswer } from './answerRecognizer';
import { submitOutcomeReply } from './replies';
import { confirmationReply } from './confirmationReply';
import { textsFor, type Texts } from './texts';
import type { FormCardUpdates } from './formCardUpdates';

export interface CoworkFormOptions {
  sessionKey: string;
  /** The session as the caller just stored it (not kept in the form's state): spares reading it back. */
  session?: CoworkSession;
}

/** What the open form keeps in the conversation's state. */
export interface FormState {
  sessionKey: string;
  /** A typed answer waiting for the customer's confirmation (Send / Change, or a typed yes / no). */
  pending?: { answers: Record<string, string> };
}

/** Where the open form's state lives: one property of the conversation's state, saved with it. */
export interface FormStateStore {
  get(turn: CoworkTurn): Promise<FormState | undefined>;
  set(turn: CoworkTurn, state: FormState): Promise<void>;
  clear(turn: CoworkTurn): Promise<void>;
}

/** How a message turn went for the open form. */
export type FormTurn =
  /** The form took the message (an answer, a confirmation, a refusal it explained). */
  | 'handled'
  /** The form is over (no open form, or its session moved on): the message is someone else's. */
  | 'ended'
  /** Mounted: the message was no answer, and it is the host bot's to handle. */
  | 'leftToHost';

/** The question and the numbered choices, so "2" or "the second one" work. */
export function choicesText(texts: Texts, input: ChoiceFormInput, options: readonly ChoiceOption[]): string {
  return texts.choicesList(
    input.label,
    options.map((o) => o.label),
  );
}

export interface FormConversationDeps {
  service: CoworkService;
  state: FormStateStore;
  /** Mounted in a host bot: a typed message that is no answer is left to the host instead of being answered with the list of choices. */
  passUnrecognised?: boolean;
  recognizer?: AnswerRecognizer;
  /** Whether the card offers "Talk to a person" on a channel (only where something can take it). */
  handoffOffered?: (channelId: string | undefined) => boolean;
  /** Keeps the form card's activity, to update it in place once answered. */
  formCards?: FormCardUpdates;
}

export class FormConversation {
  private readonly service: CoworkService;
  private readonly passUnrecognised: boolean;
  private readonly recognizer: AnswerRecognizer;
  private readonly handoffOffered: (channelId: string | undefined) => boolean;
  private readonly formCards: FormCardUpdates | undefined;

  constructor(private readonly deps: FormConversationDeps) {
    this.service = deps.service;
    this.passUnrecognised = deps.passUnrecognised === true;
    this.recognizer = deps.recognizer ?? builtInRecognizer;
    this.handoffOffered = deps.handoffOffered ?? (() => true);
    this.formCards = deps.formCards;
  }

  /** Opens the session's form in this conversation (any earlier one is over): the intro and the card, in one activity. */
  async begin(turn: CoworkTurn, options: CoworkFormOptions): Promise<void> {
    if (!options.sessionKey) throw new Error('the form needs a sessionKey');
    await this.deps.state.set(turn, { sessionKey: options.sessionKey });
    const session = options.session?.key === options.sessionKey ? options.session : await this.service.get(options.sessionKey);
    if (!session) throw new Error(`session ${options.sessionKey} vanished before its form was sent`);
    const form = requireForm((id) => this.service.form(id), session.formId);
    // One activity, text above the card: one connector call instead of two, and the two can never
    // arrive apart.
    const intro = messagesFor(form, turn.activity.locale).intro;
    const sent = await turn.sendActivity({
      type: 'message',
      text: intro,
      attachments: [formAttachment(session, form, this.handoffOffered(turn.activity.channelId))],
    });
    // Remembered even without an id (some channels answer with an empty one): a submit can name the card later.
    await this.formCards?.remember(turn, { sessionKey: session.key, activityId: sent?.id ?? '', text: intro });
  }

  /** Whether a form is open in this conversation. */
  async isOpen(turn: CoworkTurn): Promise<boolean> {
    return (await this.deps.state.get(turn)) !== undefined;
  }

  /** Ends `sessionKey`'s form if it is the open one (its session is answered, expired, or taken over). */
  async end(turn: CoworkTurn, sessionKey: string): Promise<void> {
    if ((await this.deps.state.get(turn))?.sessionKey === sessionKey) await this.deps.state.clear(turn);
  }

  /** A typed message while the form is open: an answer, a reply to the confirmation, or none. */
  async continue(turn: CoworkTurn, typedText: string): Promise<FormTurn> {
    const activity = turn.activity;
    const state = await this.deps.state.get(turn);
    if (!state || activity.type !== 'message') return 'ended';
    const session = await this.service.get(state.sessionKey);
    if (!session || !isPending(session.state)) {
      // The session moved on (answered elsewhere, expired): let the bot handle this message.
      await this.deps.state.clear(turn);
      return 'ended';
    }
    const form = requireForm((id) => this.service.form(id), session.formId);
    // Card submits are routed by their verb (`confirmClicked`, `changeClicked`), never here.
    if (isCardSubmit(activity.value)) return 'handled';
    const outcome = await this.takeTypedAnswer(turn, state, session, form, typedText);
    await this.deps.state.set(turn, state);
    return outcome;
  }

  /** A click on Send on the confirmation of a typed answer: that answer no longer waits (the router submits the card's values). */
  async confirmClicked(turn: CoworkTurn, session: CoworkSession): Promise<void> {
    await this.forgetPending(turn, session.key);
  }

  /** A click on Change on the confirmation of a typed answer: the answer no longer waits, and the choices come again. */
  async changeClicked(turn: CoworkTurn, session: CoworkSession, form: FormSpec): Promise<void> {
    await this.forgetPending(turn, session.key);
    const texts = textsFor(turn.activity.locale);
    const input = typedAnswerInputOf(form);
    const reply =
      session.state === 'form_sent' && input
        ? `${texts.changePrompt}\n\n${choicesText(texts, input, session.choices[input.id] ?? [])}`
        : messagesFor(form, turn.activity.locale).alreadyReceived;
    await turn.sendActivity(reply);
  }

  private async forgetPending(turn: CoworkTurn, sessionKey: string): Promise<void> {
    const state = await this.deps.state.get(turn);
    if (state?.sessionKey === sessionKey && state.pending) {
      delete state.pending;
      await this.deps.state.set(turn, state);
    }
  }

  private async takeTypedAnswer(turn: CoworkTurn, state: FormState, session: CoworkSession, form: FormSpec, text: string): Promise<FormTurn> {
    const texts = textsFor(turn.activity.locale);
    if (session.state !== 'form_sent') {
      await turn.sendActivity(messagesFor(form, turn.activity.locale).alreadyReceived);
      return 'handled';
    }
    const input = typedAnswerInputOf(form);
    if (!input) {
      // A typed message cannot fill several inputs at once: point back to the card.
      await turn.sendActivity({
        type: 'message',
        text: texts.useTheCard,
        attachments: [formAttachment(session, form, this.handoffOffered(turn.activity.channelId))],
      });
      return 'handled';
    }
    const options = session.choices[input.id] ?? [];
    let typed = text;
    if (state.pending) {
      const reply = confirmationReply(texts, text);
      if (reply.kind === 'yes') {
        const answers = state.pending.answers;
        delete state.pending;
        const outcome = await this.service.submit({
          sessionKey: session.key,
          formToken: session.formToken,
          conversationId: session.conversationId,
          raw: answers,
        });
        await turn.sendActivity(submitOutcomeReply(form, outcome, texts));
        if (outcome.kind === 'accepted') await this.formCards?.showSent(turn, outcome.session, form);
        return 'handled';
      }
      if (reply.kind === 'no') delete state.pending;
      if (reply.kind === 'no' && reply.instead === undefined) {
        await turn.sendActivity(`${texts.changePrompt}\n\n${choicesText(texts, input, options)}`);
        return 'handled';
      }
      if (reply.kind === 'no' && reply.instead !== undefined) typed = reply.instead;
      // Anything else is a new answer (it replaces the one waiting for confirmation), or text the
      // host bot's own routes should get (mounted): then the answer keeps waiting for its yes.
    }
    const recognized = await this.recognizer.recognize({ text: typed, form, input, options, locale: turn.activity.locale ?? 'en-us' });
    if (recognized.kind === 'candidate') {
      const option = options.find((o) => o.value === recognized.value);
      if (option && recognized.confidence >= MIN_CANDIDATE_CONFIDENCE) {
        await this.askToConfirm(turn, state, session, input.id, option, texts);
        return 'handled';
      }
      // A recogniser's value that is not on the form, or a weak guess: no answer.
    }
    const outcome = await this.noAnswer(
      turn,
      session,
      form,
      input,
      options,
      texts,
      recognized.kind === 'none' ? recognized : { kind: 'none', reason: 'unrelated' },
    );
    if (outcome !== 'leftToHost') delete state.pending;
    return outcome;
  }

  /** "You chose 🛠 Renovation Work. Send it?" with Send / Change; nothing is published before Send (or a typed yes). */
  private async askToConfirm(turn: CoworkTurn, state: FormState, session: CoworkSession, inputId: string, option: ChoiceOption, texts: Texts): Promise<void> {
    const answers = { [inputId]: option.value };
    state.pending = { answers };
    const card = renderConfirmCard({ formToken: session.formToken, answers, sendTitle: texts.sendButton, changeTitle: texts.changeButton });
    await turn.sendActivity({ type: 'message', text: texts.confirmChoice(option.label), attachments: [cardAttachment(card)] });
  }

  private async noAnswer(
    turn: CoworkTurn,
    session: CoworkSession,
    form: FormSpec,
    input: ChoiceFormInput,
    options: readonly ChoiceOption[],
    texts: Texts,
    result: Extract<TypedAnswer, { kind: 'none' }>,
  ): Promise<FormTurn> {
    const mentioned = options.filter((o) => (result.mentioned ?? []).includes(o.value));
    const labels = mentioned.map((o) => o.label);
    const list = choicesText(texts, input, options);
    switch (result.reason) {
      case 'tooLong':
        await turn.sendActivity(messagesFor(form, turn.activity.locale).refusals.tooLong);
        return 'handled';
      case 'question': {
        if (mentioned.length === 0 && this.passUnrecognised) {
          // A question about no choice ("what are your opening hours?") is the host bot's.
          return 'leftToHost';
        }
        const explained = (mentioned.length > 0 ? mentioned : options).flatMap((o) => {
          const description = choiceDescription(form, input.id, o.value);
          return description ? [`- **${escapeMarkdown(o.label)}**: ${escapeMarkdown(description)}`] : [];
        });
        const text = explained.length > 0 ? `${texts.explanationHeading}\n\n${explained.join('\n')}` : texts.noExplanation(labels);
        // The form card stays the one live form in the chat: the choices come again as suggested
        // actions (a tap types the choice, which is confirmed like any typed answer), never as a
        // second form. Channels that answer sends with no id (Agents Playground, Teams) could not
        // retire a second card, and a customer could answer on either. The explanation goes first, on
        // its own: Agents Playground shows the text of a message with suggested actions as typed,
        // markdown marks and escapes included, so those come with a plain line.
        await turn.sendActivities([{ type: 'message', text }, choiceSuggestions(texts.tapOrType, options)]);
        return 'handled';
      }
      case 'negated':
        await turn.sendActivity(`${texts.negated(labels)}\n\n${list}`);
        return 'handled';
      case 'refusal':
        await turn.sendActivity(`${texts.refusal}\n\n${list}`);
        return 'handled';
      case 'several':
        await turn.sendActivity(`${texts.several(labels)}\n\n${list}`);
        return 'handled';
      case 'empty':
      case 'unrelated':
        if (this.passUnrecognised) {
          return 'leftToHost';
        }
        await turn.sendActivity(reAskText(form, escapedChoices(session.choices), input.id, turn.activity.locale));
        return 'handled';
    }
  }
}

/** `text` with one suggested action per choice; a tap sends the choice's label as a typed message. */
export function choiceSuggestions(text: string, options: readonly ChoiceOption[]): OutgoingActivity {
  return {
    type: 'message',
    text,
    suggestedActions: { to: [], actions: options.map((o) => ({ type: 'imBack', title: o.label, value: o.label })) },
  };
}

/** The choices with their labels escaped for markdown text (they come from the org). */
function escapedChoices(choices: CoworkSession['choices']): CoworkSession['choices'] {
  return Object.fromEntries(Object.entries(choices).map(([id, options]) => [id, options.map((o) => ({ ...o, label: escapeMarkdown(o.label) }))]));
}

export function formAttachment(session: CoworkSession, form: FormSpec, offerHandoff = true): TurnAttachment {
  return cardAttachment(renderFormCard({ spec: form, choices: session.choices, formToken: session.formToken, caseNumber: session.caseNumber, offerHandoff }));
}

export function isCardSubmit(value: unknown): value is { cowork: string; formToken?: unknown } & Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>).cowork === 'string';
}
