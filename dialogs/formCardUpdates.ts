/**
 * The form card, updated in place (`updateActivity`) once answered: a read-only summary of what was
 * sent, then "✅ Saved on Case 00001026" once the Case has it. Channels that support updates (Teams,
 * Web Chat / Direct Line, the Emulator, Agents Playground) show the card change; where an update
 * fails, the flow carries on (the messages say the same).
 *
 * Which activity is the form card is kept in the conversation's state (a few recent sessions), so a
 * proactive turn can update it later without the core knowing anything of activities.
 */
import type { CoworkTurn } from './coworkTurn';
import { cardAttachment, renderFormSummaryCard } from '../cards';
import { answerLabels, messagesFor, type FormSpec } from '../cowork/domain/formSpec';
import type { Log } from '../util/log';
import type { CoworkSession } from '../cowork/domain/session';
import { textsFor } from './texts';

export interface FormCardRef {
  sessionKey: string;
  activityId: string;
  /** The text sent with the card (the form's intro), kept on the updated activity. */
  text: string;
}

/** How many sessions' form cards a conversation remembers. */
const REMEMBERED = 10;

export class FormCardUpdates {
  constructor(
    private readonly cards: {
      get(turn: CoworkTurn, defaultValue?: FormCardRef[]): Promise<FormCardRef[] | undefined>;
      set(turn: CoworkTurn, value: FormCardRef[]): Promise<void>;
    },
    private readonly log: Log,
  ) {}

  async remember(context: CoworkTurn, ref: FormCardRef): Promise<void> {
    const known = (await this.cards.get(context, [])) ?? [];
    await this.cards.set(context, [...known.filter((r) => r.sessionKey !== ref.sessionKey), ref].slice(-REMEMBERED));
  }

  /**
   * The answer was sent: the card shows it, read-only. Some channels (Agents Playground) answer a
   * send with an empty id; a card's submit names its card in `replyToId`, so that id is learnt here.
   */
  async showSent(context: CoworkTurn, session: CoworkSession, form: FormSpec): Promise<void> {
    const clicked = context.activity.replyToId;
    const value = context.activity.value as { formToken?: unknown } | undefined;
    if (clicked && typeof value === 'object' && value !== null && value.formToken === session.formToken) {
      const known = ((await this.cards.get(context, [])) ?? []).find((r) => r.sessionKey === session.key);
      if (!known?.activityId)
        await this.remember(context, { sessionKey: session.key, activityId: clicked, text: known?.text ?? messagesFor(form, context.activity.locale).intro });
    }
    await this.update(context, session, form, session.submitted ?? session.answers, textsFor(localeOf(context, session)).formSent);
  }

  /**
   * A click on a form card of a session that already has its answer (the customer pressed Send on an
   * old card): the reply refuses it; this retires the card itself, read-only. Where the channel gives
   * no ids (Agents Playground answers a text-and-card send with none) and the answer was typed and
   * confirmed on the confirmation card, no turn ever named the form card before: this click is the
   * first that does (`replyToId`), so the card is retired now.
   */
  async retireClicked(context: CoworkTurn, session: CoworkSession, form: FormSpec): Promise<void> {
    const clicked = context.activity.replyToId;
    const value = context.activity.value as { formToken?: unknown } | undefined;
    if (!clicked || typeof value !== 'object' || value === null || value.formToken !== session.formToken) return;
    const known = ((await this.cards.get(context, [])) ?? []).find((r) => r.sessionKey === session.key);
    const texts = textsFor(localeOf(context, session));
    const status = session.caseUpdatedAt ? texts.formSaved(session.caseNumber) : texts.formSent;
    const ref = { sessionKey: session.key, activityId: clicked, text: known?.text ?? messagesFor(form, context.activity.locale).intro };
    await this.updateCard(context, ref, session, form, session.answers ?? session.submitted, status);
  }

  /**
   * The answer is on the Case. `known` is the session's card as an earlier turn of this instance found it
   * once the session was answered (`cardWithId`): then nothing is read.
   */
  async showSaved(context: CoworkTurn, session: CoworkSession, form: FormSpec, known?: FormCardRef): Promise<void> {
    const status = textsFor(localeOf(context, session)).formSaved(session.caseNumber);
    const answers = session.answers ?? session.submitted;
    if (known?.sessionKey === session.key && known.activityId) await this.updateCard(context, known, session, form, answers, status);
    else await this.update(context, session, form, answers, status);
  }

  /**
   * The session's card, as this turn's conversation state has it, when it has its id: from then on it names
   * the same activity (`remember` replaces a card's ref only while its id is unknown, and only a session's
   * start or its accepted submit remembers one), so a later turn of an answered session can update the card
   * without reading the conversation's state again.
   */
  async cardWithId(context: CoworkTurn, sessionKey: string): Promise<FormCardRef | undefined> {
    // No default: asking stores nothing in the state.
    const ref = ((await this.cards.get(context)) ?? []).find((r) => r.sessionKey === sessionKey);
    return ref?.activityId ? { ...ref } : undefined;
  }

  private async update(
    context: CoworkTurn,
    session: CoworkSession,
    form: FormSpec,
    answers: Readonly<Record<string, string>> | null,
    status: string,
  ): Promise<void> {
    const ref = ((await this.cards.get(context, [])) ?? []).find((r) => r.sessionKey === session.key);
    if (ref) await this.updateCard(context, ref, session, form, answers, status);
  }

  private async updateCard(
    context: CoworkTurn,
    ref: FormCardRef,
    session: CoworkSession,
    form: FormSpec,
    answers: Readonly<Record<string, string>> | null,
    status: string,
  ): Promise<void> {
    if (!ref.activityId || !answers) return;
    try {
      const card = renderFormSummaryCard({ spec: form, labels: answerLabels(form, session.choices, answers), caseNumber: session.caseNumber, status });
      // Teams split the text and the card of the original into two messages, and refuses an update
      // that would be two ("Activity resulted into multiple skype activities"): there the card goes alone.
      const text = context.activity.channelId === 'msteams' ? {} : { text: ref.text };
      await context.updateActivity({ type: 'message', id: ref.activityId, ...text, attachments: [cardAttachment(card)] });
    } catch (err) {
      // Not every channel updates activities (or this one is gone): the messages still say it all.
      this.log.warn({ err, sessionKey: session.key, conversationId: session.conversationId }, 'the form card could not be updated; carrying on');
    }
  }
}

function localeOf(context: CoworkTurn, session: CoworkSession): string | undefined {
  if (context.activity.locale) return context.activity.locale;
  const locale = session.conversationReference.locale;
  return typeof locale === 'string' ? locale : undefined;
}
