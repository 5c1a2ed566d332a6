/**
 * The customer's side of human handoff in a turn: asking for a person (typed, or the card's
 * button), the channel's `handoff.status`, and a customer's message while a person owns the chat
 * (relayed to the agent; a card submit still goes to the core).
 */
import type { CoworkService } from '../../cowork/coworkService';
import { isHandoffStatusState, type HandoffRecord } from '../../cowork/stores/handoff';
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { CoworkSession } from '../../cowork/domain/session';
import type { Log } from '../../util/log';
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import { isCardSubmit } from '../../dialogs/formConversation';
import { submitOutcomeReply } from '../../dialogs/replies';
import { agentTexts, textsFor } from '../../dialogs/texts';
import { HANDOFF_REQUESTED_TEXT, type HandoffProtocol } from '../handoff/handoffProtocol';
import type { Conversations } from './conversations';

export interface HandoffTurnsDeps {
  service: CoworkService;
  conversations: Conversations;
  defaultForm: FormSpec;
  log: Log;
  /** Without it, asking for a person is answered "not available". */
  handoff?: HandoffProtocol;
}

export class HandoffTurns {
  constructor(private readonly deps: HandoffTurnsDeps) {}

  async askForPerson(context: CoworkTurn, trigger: HandoffRecord['trigger'], session?: CoworkSession): Promise<void> {
    const handoff = this.deps.handoff;
    const latest = session ?? (await this.deps.conversations.latestSession(context));
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
  async statusEvent(context: CoworkTurn): Promise<void> {
    const value = context.activity.value as { state?: unknown; message?: unknown } | undefined;
    if (!isHandoffStatusState(value?.state)) {
      this.deps.log.warn({ conversationId: context.activity.conversation.id }, 'handoff.status ignored: unknown state');
      return;
    }
    const handoff = this.deps.handoff;
    if (handoff)
      await handoff.applyStatusEvent(
        context,
        { state: value.state, ...(typeof value.message === 'string' ? { message: value.message } : {}) },
        value,
        await this.deps.conversations.latestSession(context),
      );
  }

  /**
   * A customer's message while a human owns the chat: the bot answers nothing. A card submit
   * still goes to the co-work core (the event updates the Case, the agent is told); anything
   * else is relayed to the agent.
   */
  async whileHumanOwned(context: CoworkTurn, owner: HandoffRecord): Promise<void> {
    const handoff = this.deps.handoff;
    if (!handoff) return;
    const value = context.activity.value;
    const label = agentTexts.customer(owner.caseNumber);
    if (isCardSubmit(value)) {
      const session = await this.deps.conversations.sessionForSubmit(context, value);
      if (!session || value.cowork !== 'submit') {
        await handoff.toAgent(owner, { type: 'message', text: agentTexts.inactiveButton(label) });
        return;
      }
      const form = this.deps.service.form(session.formId) ?? this.deps.defaultForm;
      const outcome = await this.deps.service.submit({
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
}
