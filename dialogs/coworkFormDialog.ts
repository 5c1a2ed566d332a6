/**
 * The customer's side of a co-work session, as a dialog on the conversation's stack:
 * it sends the scripted message and the form card, then takes the answer — from the card or
 * typed — until the session's event arrives (the proactive turn ends the dialog).
 *
 * The dialog keeps only the session key; everything else is read from the session in storage,
 * so the dialog stack stays small and the stored session stays the single truth.
 */
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { Activity, Attachment } from 'botbuilder';
import { cardAttachment, renderFormCard } from '../cards';
import type { CoworkService } from '../cowork/coworkService';
import { reAskText, typedAnswerInputOf, type FormSpec } from '../cowork/formSpec';
import type { CoworkSession } from '../cowork/session';
import { isPending } from '../cowork/session';
import { recognizeAnswer } from './answerRecognizer';
import { submitOutcomeReply } from './replies';

export const COWORK_FORM_DIALOG = 'coworkForm';

const LEFT_TO_HOST = Symbol('cowork.leftToHost');

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
}

export class CoworkFormDialog extends Dialog<CoworkFormOptions> {
  /**
   * @param passUnrecognised mounted in a host bot: a typed message that is no answer is left to the
   *   host (see `leftToHost`) instead of being answered with the list of choices.
   */
  constructor(
    private readonly service: CoworkService,
    private readonly passUnrecognised = false,
  ) {
    super(COWORK_FORM_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: CoworkFormOptions): Promise<DialogTurnResult> {
    if (!options?.sessionKey) throw new Error('CoworkFormDialog needs a sessionKey');
    const state = dc.activeDialog?.state as FormDialogState;
    state.sessionKey = options.sessionKey;
    const session = options.session?.key === options.sessionKey ? options.session : await this.service.get(options.sessionKey);
    if (!session) throw new Error(`session ${options.sessionKey} vanished before its form was sent`);
    const form = this.requireForm(session);
    // One activity, text above the card: one connector call instead of two, and the two can never
    // arrive apart.
    await dc.context.sendActivity({ type: 'message', text: form.messages.intro, attachments: [formAttachment(session, form)] });
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
    const form = this.requireForm(session);
    const value = activity.value as unknown;
    if (isCardSubmit(value)) {
      // Card submits are checked by the bot's router against every session of the conversation.
      return Dialog.EndOfTurn;
    }
    await this.takeTypedAnswer(dc, session, form, activity.text ?? '');
    return Dialog.EndOfTurn;
  }

  private async takeTypedAnswer(dc: DialogContext, session: CoworkSession, form: FormSpec, text: string): Promise<void> {
    if (session.state !== 'form_sent') {
      await dc.context.sendActivity(form.messages.alreadyReceived);
      return;
    }
    const input = typedAnswerInputOf(form);
    if (!input) {
      // A typed message cannot fill several inputs at once: point back to the card.
      await dc.context.sendActivity({ type: 'message', text: 'Please fill in the form card; here it is again.', attachments: [formAttachment(session, form)] });
      return;
    }
    const choices = session.choices[input.id] ?? [];
    const recognized = recognizeAnswer(text, choices, dc.context.activity.locale ?? 'en-us');
    switch (recognized.kind) {
      case 'tooLong':
        await dc.context.sendActivity(form.messages.refusals.tooLong);
        return;
      case 'ambiguous':
        await dc.context.sendActivity(`Did you mean ${recognized.candidates.map((c) => `"${c.label}"`).join(' or ')}? Please type the one you mean, or its number.`);
        return;
      case 'none':
        if (this.passUnrecognised) {
          dc.context.turnState.set(LEFT_TO_HOST, true);
          return;
        }
        await dc.context.sendActivity(reAskText(form, session.choices, input.id));
        return;
      case 'match': {
        const outcome = await this.service.submit({
          sessionKey: session.key,
          formToken: session.formToken,
          conversationId: session.conversationId,
          raw: { [input.id]: recognized.value },
        });
        await dc.context.sendActivity(submitOutcomeReply(form, outcome));
      }
    }
  }

  private requireForm(session: CoworkSession): FormSpec {
    const form = this.service.form(session.formId);
    if (!form) throw new Error(`unknown form ${session.formId}`);
    return form;
  }
}

export function formAttachment(session: CoworkSession, form: FormSpec): Attachment {
  return cardAttachment(renderFormCard({ spec: form, choices: session.choices, formToken: session.formToken, caseNumber: session.caseNumber }));
}

export function isCardSubmit(value: unknown): value is { cowork: string; formToken?: unknown } & Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>).cowork === 'string';
}

export type MessageActivity = Partial<Activity>;
