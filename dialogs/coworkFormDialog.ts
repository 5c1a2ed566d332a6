/**
 * The customer's side of a co-work session, as a dialog on the conversation's stack:
 * it sends the scripted message and the form card, then takes the answer — from the card or
 * typed — until the session's event arrives (the proactive turn ends the dialog).
 *
 * The dialog keeps only the session key; everything else is read from the session in storage,
 * so the dialog stack stays small and the stored session stays the single truth.
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { ActionTypes, type Activity, type Attachment } from 'botbuilder';
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

export const COWORK_FORM_DIALOG = 'coworkForm';

const LEFT_TO_HOST = Symbol('cowork.leftToHost');
const TYPED_TEXT = Symbol('cowork.typedText');

/** What the open form reads as this turn's typed answer, instead of the activity's text (e.g. without a declined handoff). */
export function setTypedText(context: { turnState: Map<unknown, unknown> }, text: string): void {
  context.turnState.set(TYPED_TEXT, text);
}

/** True when the open form saw this turn's text and left it to the host bot (it was no answer). */
export function leftToHost(context: { turnState: Map<unknown, unknown> }): boolean {
  return context.turnState.get(LEFT_TO_HOST) === true;
}

export interface CoworkFormOptions {
  sessionKey: string;
  /** The session as the caller just stored it (not kept in dialog state): spares reading it back. */
  session?: CoworkSession;
}

interface FormDialogState {
  sessionKey: string;
  /** A typed answer waiting for the customer's confirmation (Send / Change, or a typed yes / no). */
  pending?: { answers: Record<string, string> };
}

/** Forgets the typed answer waiting for confirmation in `sessionKey`'s form dialog (after a click on Send or Change). */
export async function clearPendingAnswer(dc: DialogContext, sessionKey: string): Promise<void> {
  const active = dc.activeDialog;
  if (active?.id === COWORK_FORM_DIALOG && (active.state as FormDialogState).sessionKey === sessionKey) delete (active.state as FormDialogState).pending;
}

/** The question and the numbered choices, so "2" or "the second one" work. */
export function choicesText(texts: Texts, input: ChoiceFormInput, options: readonly ChoiceOption[]): string {
  return texts.choicesList(
    input.label,
    options.map((o) => o.label),
  );
}

export class CoworkFormDialog extends Dialog<CoworkFormOptions> {
  /**
   * @param passUnrecognised mounted in a host bot: a typed message that is no answer is left to the
   *   host (see `leftToHost`) instead of being answered with the list of choices.
   */
  constructor(
    private readonly service: CoworkService,
    private readonly passUnrecognised = false,
    private readonly recognizer: AnswerRecognizer = builtInRecognizer,
    /** Whether the card offers "Talk to a person" on a channel (only where something can take it). */
    private readonly handoffOffered: (channelId: string | undefined) => boolean = () => true,
    /** Keeps the form card's activity, to update it in place once answered. */
    private readonly formCards?: FormCardUpdates,
  ) {
    super(COWORK_FORM_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: CoworkFormOptions): Promise<DialogTurnResult> {
    if (!options?.sessionKey) throw new Error('CoworkFormDialog needs a sessionKey');
    const state = dc.activeDialog?.state as FormDialogState;
    state.sessionKey = options.sessionKey;
    const session = options.session?.key === options.sessionKey ? options.session : await this.service.get(options.sessionKey);
    if (!session) throw new Error(`session ${options.sessionKey} vanished before its form was sent`);
    const form = requireForm((id) => this.service.form(id), session.formId);
    // One activity, text above the card: one connector call instead of two, and the two can never
    // arrive apart.
    const intro = messagesFor(form, dc.context.activity.locale).intro;
    const sent = await dc.context.sendActivity({
      type: 'message',
      text: intro,
      attachments: [formAttachment(session, form, this.handoffOffered(dc.context.activity.channelId))],
    });
    // Remembered even without an id (some channels answer with an empty one): a submit can name the card later.
    await this.formCards?.remember(dc.context, { sessionKey: session.key, activityId: sent?.id ?? '', text: intro });
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const activity = dc.context.activity;
    if (activity.type !== 'message') return Dialog.EndOfTurn;
    const state = dc.activeDialog?.state as FormDialogState;
    const session = await this.service.get(state.sessionKey);
    if (!session || !isPending(session.state)) {
      // The session moved on (answered elsewhere, expired): let the bot handle this message.
      return dc.endDialog();
    }
    const form = requireForm((id) => this.service.form(id), session.formId);
    const value = activity.value as unknown;
    if (isCardSubmit(value)) {
      // Card submits are checked by the bot's router against every session of the conversation.
      return Dialog.EndOfTurn;
    }
    const typed = dc.context.turnState.get(TYPED_TEXT);
    await this.takeTypedAnswer(dc, session, form, typeof typed === 'string' ? typed : (activity.text ?? ''));
    return Dialog.EndOfTurn;
  }

  private async takeTypedAnswer(dc: DialogContext, session: CoworkSession, form: FormSpec, text: string): Promise<void> {
    const texts = textsFor(dc.context.activity.locale);
    const state = dc.activeDialog?.state as FormDialogState;
    if (session.state !== 'form_sent') {
      await dc.context.sendActivity(messagesFor(form, dc.context.activity.locale).alreadyReceived);
      return;
    }
    const input = typedAnswerInputOf(form);
    if (!input) {
      // A typed message cannot fill several inputs at once: point back to the card.
      await dc.context.sendActivity({
        type: 'message',
        text: texts.useTheCard,
        attachments: [formAttachment(session, form, this.handoffOffered(dc.context.activity.channelId))],
      });
      return;
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
        await dc.context.sendActivity(submitOutcomeReply(form, outcome, texts));
        if (outcome.kind === 'accepted') await this.formCards?.showSent(dc.context, outcome.session, form);
        return;
      }
      if (reply.kind === 'no') delete state.pending;
      if (reply.kind === 'no' && reply.instead === undefined) {
        await dc.context.sendActivity(`${texts.changePrompt}\n\n${choicesText(texts, input, options)}`);
        return;
      }
      if (reply.kind === 'no' && reply.instead !== undefined) typed = reply.instead;
      // Anything else is a new answer (it replaces the one waiting for confirmation), or text the
      // host bot's own routes should get (mounted): then the answer keeps waiting for its yes.
    }
    const recognized = await this.recognizer.recognize({ text: typed, form, input, options, locale: dc.context.activity.locale ?? 'en-us' });
    if (recognized.kind === 'candidate') {
      const option = options.find((o) => o.value === recognized.value);
      if (option && recognized.confidence >= MIN_CANDIDATE_CONFIDENCE) {
        await this.askToConfirm(dc, state, session, input.id, option, texts);
        return;
      }
      // A recogniser's value that is not on the form, or a weak guess: no answer.
      await this.noAnswer(dc, session, form, input, options, texts, { kind: 'none', reason: 'unrelated' });
      if (!leftToHost(dc.context)) delete state.pending;
      return;
    }
    await this.noAnswer(dc, session, form, input, options, texts, recognized);
    if (!leftToHost(dc.context)) delete state.pending;
  }

  /** "You chose 🛠 Renovation Work. Send it?" with Send / Change; nothing is published before Send (or a typed yes). */
  private async askToConfirm(
    dc: DialogContext,
    state: FormDialogState,
    session: CoworkSession,
    inputId: string,
    option: ChoiceOption,
    texts: Texts,
  ): Promise<void> {
    const answers = { [inputId]: option.value };
    state.pending = { answers };
    const card = renderConfirmCard({ formToken: session.formToken, answers, sendTitle: texts.sendButton, changeTitle: texts.changeButton });
    await dc.context.sendActivity({ type: 'message', text: texts.confirmChoice(option.label), attachments: [cardAttachment(card)] });
  }

  private async noAnswer(
    dc: DialogContext,
    session: CoworkSession,
    form: FormSpec,
    input: ChoiceFormInput,
    options: readonly ChoiceOption[],
    texts: Texts,
    result: Extract<TypedAnswer, { kind: 'none' }>,
  ): Promise<void> {
    const mentioned = options.filter((o) => (result.mentioned ?? []).includes(o.value));
    const labels = mentioned.map((o) => o.label);
    const list = choicesText(texts, input, options);
    switch (result.reason) {
      case 'tooLong':
        await dc.context.sendActivity(messagesFor(form, dc.context.activity.locale).refusals.tooLong);
        return;
      case 'question': {
        if (mentioned.length === 0 && this.passUnrecognised) {
          // A question about no choice ("what are your opening hours?") is the host bot's.
          dc.context.turnState.set(LEFT_TO_HOST, true);
          return;
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
        await dc.context.sendActivities([{ type: 'message', text }, choiceSuggestions(texts.tapOrType, options)]);
        return;
      }
      case 'negated':
        await dc.context.sendActivity(`${texts.negated(labels)}\n\n${list}`);
        return;
      case 'refusal':
        await dc.context.sendActivity(`${texts.refusal}\n\n${list}`);
        return;
      case 'several':
        await dc.context.sendActivity(`${texts.several(labels)}\n\n${list}`);
        return;
      case 'empty':
      case 'unrelated':
        if (this.passUnrecognised) {
          dc.context.turnState.set(LEFT_TO_HOST, true);
          return;
        }
        await dc.context.sendActivity(reAskText(form, escapedChoices(session.choices), input.id, dc.context.activity.locale));
        return;
    }
  }
}

/** `text` with one suggested action per choice; a tap sends the choice's label as a typed message. */
export function choiceSuggestions(text: string, options: readonly ChoiceOption[]): Partial<Activity> {
  return {
    type: 'message',
    text,
    suggestedActions: { to: [], actions: options.map((o) => ({ type: ActionTypes.ImBack, title: o.label, value: o.label })) },
  };
}

/** The choices with their labels escaped for markdown text (they come from the org). */
function escapedChoices(choices: CoworkSession['choices']): CoworkSession['choices'] {
  return Object.fromEntries(Object.entries(choices).map(([id, options]) => [id, options.map((o) => ({ ...o, label: escapeMarkdown(o.label) }))]));
}

export function formAttachment(session: CoworkSession, form: FormSpec, offerHandoff = true): Attachment {
  return cardAttachment(renderFormCard({ spec: form, choices: session.choices, formToken: session.formToken, caseNumber: session.caseNumber, offerHandoff }));
}

export function isCardSubmit(value: unknown): value is { cowork: string; formToken?: unknown } & Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>).cowork === 'string';
}
