/**
 * The session's effects on the chat, delivered in proactive turns: the thank-you and result
 * card when the event arrives, the notice when a session expires or fails.
 *
 * A proactive turn goes through the same per-conversation queue as the customer's turns, so
 * the two never interleave, and through `continueConversationAsync` (a `CoworkTurn` is never
 * kept across turns). Its messages are sent without `replyToId`: no client has seen the
 * continuation activity, and Web Chat would hold a reply to it back for seconds.
 */
import { type CoworkTurn, type ProactiveTurns } from '../../dialogs/coworkTurn';
import { cardAttachment, escapeMarkdown, renderResultCard } from '../../cards';
import type { SessionEffects } from '../../cowork/coworkService';
import type { FormSpec } from '../../cowork/domain/formSpec';
import { requireForm, thankYouText } from '../../cowork/domain/formSpec';
import type { Log } from '../../util/log';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import type { CoworkSession } from '../../cowork/domain/session';
import type { Conversations } from '../turn/conversations';
import type { FormCardRef } from '../../dialogs/formCardUpdates';
import { setNewest } from '../../util/boundedMap';
import type { HumanOwnership } from '../handoff/humanOwnership';
import { agentTexts, textsFor } from '../../dialogs/texts';

/** The locale the customer's conversation last spoke in (kept in its conversation reference). */
function localeOf(session: CoworkSession): string | undefined {
  const locale = session.conversationReference.locale;
  return typeof locale === 'string' ? locale : undefined;
}

export interface ProactiveEffectsDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  /** The customer's conversation: its form dialog ends, its form card shows the answer saved. */
  conversations: Conversations;
  forms: (formId: string) => FormSpec | undefined;
  publicUrl: string;
  log: Log;
  /** When a human owns the conversation, the effects tell the agent instead of the customer. */
  handoff?: HumanOwnership;
}

/**
 * How many answered sessions' form cards are kept between the thank-you's turn and the "saved" turn (the
 * Case write between them takes 100s of ms; a session whose "saved" never comes is dropped oldest first).
 */
const CARDS_KEPT = 1_000;

export class ProactiveEffects implements SessionEffects {
  /**
   * The form card of each session thanked here, as the thank-you's turn found it in the conversation's state
   * it had loaded anyway (to end the form): the "saved" turn that follows on this instance updates the card
   * from it without reading the state again. Only a card with its id is kept (it names the same activity from
   * then on); otherwise, or after a restart, the "saved" turn reads the state as before.
   */
  private readonly cards = new Map<string, FormCardRef>();

  constructor(private readonly deps: ProactiveEffectsDeps) {}

  async answered(session: CoworkSession, labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean> {
    const form = requireForm(this.deps.forms, session.formId);
    const toAgent = agentTexts.answerArrived(session.caseNumber, Object.values(labels).join(', '));
    let toldAgent = false;
    let sent = false;
    let asked = false;
    const turn = this.inConversation(session, async (context) => {
      asked = true;
      // Who owns the chat is asked inside the conversation's queue, first thing in this turn (never earlier than
      // before the queue, as it was): on Table the turn's state load reads the handoff record along, one request for
      // both (the state this turn ends the form in, loaded before the send: `endForm` deletes only this session's
      // form, whatever another instance stored meanwhile). A takeover after this read and before the send is the
      // race it always was (a read just before the send could not close it either).
      if (await this.toAgentIfHumanOwned(session, toAgent, context)) {
        toldAgent = true;
        await this.endFormAfterTelling(context, session);
        return;
      }
      if (!(await stillOurs())) return;
      // The thank-you and its result card travel as one activity (one connector call), bounded by
      // COWORK_SEND_TIMEOUT_SECONDS (sendBound.ts): another instance takes over only after the lease
      // plus that bound (cowork/flow/recovery.ts).
      await context.sendActivity({
        type: 'message',
        // Labels come from the org: escaped, since the message is rendered as markdown.
        text: thankYouText(form, Object.fromEntries(Object.entries(labels).map(([id, label]) => [id, escapeMarkdown(label)])), localeOf(session)),
        attachments: [
          cardAttachment(
            renderResultCard({
              spec: form,
              labels,
              imageUrl: `${this.deps.publicUrl}/images/${form.resultCard.imageFile}`,
              caseNumber: session.caseNumber,
            }),
          ),
        ],
      });
      sent = true;
      await this.endFormAfterTelling(context, session);
    });
    try {
      await turn;
    } catch (error) {
      // The turn never began (the adapter could not start it: a connector token refused, say): the person who
      // holds the chat still hears that the answer arrived, as before the question moved into the turn; the
      // error stands, so the thank-you is attempted again as any failed one is.
      if (!asked) await this.toAgentIfHumanOwned(session, toAgent);
      throw error;
    }
    return toldAgent || sent;
  }

  /**
   * `endFormKeepingCard` once the thank-you (or the agent's note) went out: a failure to end the form (the
   * state's write refused or unanswered) is logged, not the thank-you's failure, which would send it again.
   */
  private async endFormAfterTelling(context: CoworkTurn, session: CoworkSession): Promise<void> {
    try {
      await this.endFormKeepingCard(context, session);
    } catch (err) {
      this.cards.delete(session.key);
      this.deps.log.warn({ err, sessionKey: session.key }, 'ending the form after the thank-you failed; the thank-you is not sent again');
    }
  }

  /** Ends the session's form and keeps its card for the "saved" turn, from the state the turn loaded to end it. */
  private async endFormKeepingCard(context: CoworkTurn, session: CoworkSession): Promise<void> {
    const { conversations } = this.deps;
    await conversations.endForm(context, session.key);
    const card = await conversations.formCardOf(context, session.key);
    if (card) setNewest(this.cards, session.key, card, CARDS_KEPT);
    else this.cards.delete(session.key);
  }

  async expired(session: CoworkSession): Promise<void> {
    if (await this.toAgentIfHumanOwned(session, agentTexts.formExpired(session.caseNumber))) return;
    await this.inConversation(session, async (context) => {
      await context.sendActivity(textsFor(localeOf(session)).expiredNotice(session.caseNumber));
      await this.deps.conversations.endForm(context, session.key);
    });
  }

  async superseded(session: CoworkSession): Promise<void> {
    const texts = textsFor(localeOf(session));
    const text = session.supersededBy ? texts.supersededNotice(session.caseNumber) : texts.laterAnswerKept(session.caseNumber);
    if (await this.toAgentIfHumanOwned(session, agentTexts.aboutCase(session.caseNumber, text))) return;
    await this.inConversation(session, async (context) => {
      await context.sendActivity(text);
      await this.deps.conversations.endForm(context, session.key);
    });
  }

  /** The answer is on the Case: the form card (updated in place) says so. Nothing is sent. */
  async saved(session: CoworkSession): Promise<void> {
    const card = this.cards.get(session.key);
    this.cards.delete(session.key);
    await this.inConversation(session, (context) => this.deps.conversations.formSaved(context, session, card));
  }

  async failed(session: CoworkSession): Promise<void> {
    this.cards.delete(session.key);
    if (await this.toAgentIfHumanOwned(session, agentTexts.caseNotUpdated(session.caseNumber, session.failure ?? 'refused'))) return;
    await this.inConversation(session, async (context) => {
      await context.sendActivity(textsFor(localeOf(session)).failedNotice(session.caseNumber));
    });
  }

  /**
   * True when a person has taken the session's conversation: then `text` went to the agent, not the
   * customer. While a request still waits for a person, the customer is told as usual (a pending
   * handoff never swallows a thank-you) and the agent finds it among the request's notes. With `turn`
   * (a turn of that conversation): see `HumanOwnership.owner`.
   */
  private async toAgentIfHumanOwned(session: CoworkSession, text: string, turn?: CoworkTurn): Promise<boolean> {
    const handoff = this.deps.handoff;
    const owner = handoff ? await handoff.owner(session.conversationId, turn) : undefined;
    if (!handoff || !owner) return false;
    await handoff.toAgent(owner, { type: 'message', text });
    return owner.state === 'accepted';
  }

  private inConversation(session: CoworkSession, logic: (context: CoworkTurn) => Promise<void>): Promise<void> {
    return this.deps.queue.run(session.conversationId, () => this.deps.proactive.run(session.conversationReference, logic));
  }
}
