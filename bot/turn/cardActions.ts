/**
 * A card's Action.Submit, routed by its verb (`value.cowork`): `submit` (the form card, or Send on
 * the confirmation of a typed answer), `confirm` (Send on the confirmation, for earlier cards),
 * `change` (Change on the confirmation), `handoff` ("Talk to a person"). Every verb first finds the
 * session the card's form token names, among this conversation's recent sessions only; a card of
 * no known session is answered here, whatever its verb.
 */
import type { CoworkService } from '../../cowork/coworkService';
import { messagesFor, type FormSpec } from '../../cowork/domain/formSpec';
import type { CoworkSession } from '../../cowork/domain/session';
import type { Log } from '../../util/log';
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import type { FormConversation } from '../../dialogs/formConversation';
import { submitOutcomeReply } from '../../dialogs/replies';
import { textsFor } from '../../dialogs/texts';
import type { Conversations } from './conversations';
import { LOST_FORM_TEXT } from './lostForm';

export const CARD_VERBS = ['submit', 'confirm', 'change', 'handoff', 'unknown'] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

export interface CardActionsDeps {
  service: CoworkService;
  conversations: Conversations;
  form: FormConversation;
  defaultForm: FormSpec;
  log: Log;
  /** Starts a session again (a card of a form lost in a restart). */
  startSession: (turn: CoworkTurn, caseRef: string) => Promise<void>;
  askForPerson: (turn: CoworkTurn, session: CoworkSession) => Promise<void>;
}

type Value = Record<string, unknown>;
type VerbHandler = (turn: CoworkTurn, session: CoworkSession, form: FormSpec, value: Value) => Promise<void>;

export class CardActions {
  readonly verbs = CARD_VERBS;
  private readonly handlers: Record<CardVerb, VerbHandler>;

  constructor(private readonly deps: CardActionsDeps) {
    this.handlers = {
      submit: (turn, session, form, value) => this.submit(turn, session, form, value),
      confirm: async (turn, session, form, value) => {
        // A click on Send on the confirmation of a typed answer: that answer no longer waits.
        await deps.form.confirmClicked(turn, session);
        await this.submit(turn, session, form, value);
      },
      change: (turn, session, form) => deps.form.changeClicked(turn, session, form),
      handoff: (turn, session) => deps.askForPerson(turn, session),
      unknown: async (turn, _session, _form, value) => {
        deps.log.debug({ conversationId: turn.activity.conversation.id, action: value.cowork }, 'card action not understood');
        await turn.sendActivity(textsFor(turn.activity.locale).unknownButton);
      },
    };
  }

  /** The verb of a card action's value (`unknown` for one this bot has no route for). */
  verbOf(value: { cowork: string }): CardVerb {
    const verb = value.cowork as CardVerb;
    return CARD_VERBS.includes(verb) && verb !== 'unknown' ? verb : 'unknown';
  }

  /** A card's Action.Submit: only its form token names the session, and only among this conversation's sessions. */
  async run(turn: CoworkTurn, verb: CardVerb): Promise<void> {
    const value = turn.activity.value as Value;
    const { service } = this.deps;
    const session = await this.deps.conversations.sessionForSubmit(turn, value);
    const form = (session && service.form(session.formId)) ?? this.deps.defaultForm;
    if (!session) {
      const lost = await service.lostForm(value.formToken, turn.activity.conversation.id);
      if (lost) {
        this.deps.log.warn(
          { conversationId: turn.activity.conversation.id, caseId: lost.caseId },
          'card submit for a form lost in a restart: sending the form again',
        );
        await turn.sendActivity(LOST_FORM_TEXT);
        await this.deps.startSession(turn, lost.caseId);
        return;
      }
      this.deps.log.warn({ conversationId: turn.activity.conversation.id }, 'card submit refused: unknown form token');
      await turn.sendActivity(messagesFor(form, turn.activity.locale).refusals.staleForm);
      return;
    }
    await this.handlers[verb](turn, session, form, value);
  }

  private async submit(turn: CoworkTurn, session: CoworkSession, form: FormSpec, value: Value): Promise<void> {
    const outcome = await this.deps.service.submit({
      sessionKey: session.key,
      session,
      formToken: value.formToken,
      conversationId: turn.activity.conversation.id,
      raw: value,
    });
    const { formCards } = this.deps.conversations;
    await turn.sendActivity(submitOutcomeReply(form, outcome, textsFor(turn.activity.locale)));
    if (outcome.kind === 'accepted') await formCards.showSent(turn, outcome.session, form);
    if (outcome.kind === 'already_received') await formCards.retireClicked(turn, outcome.session, form);
  }
}
