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

export class ProactiveEffects implements SessionEffects {
  constructor(private readonly deps: ProactiveEffectsDeps) {}

  async answered(session: CoworkSession, labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean> {
    const form = requireForm(this.deps.forms, session.formId);
    if (await this.toAgentIfHumanOwned(session, agentTexts.answerArrived(session.caseNumber, Object.values(labels).join(', ')))) {
      await this.inConversation(session, (context) => this.deps.conversations.endForm(context, session.key));
      return true;
    }
    let sent = false;
    await this.inConversation(session, async (context) => {
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
      await this.deps.conversations.endForm(context, session.key);
    });
    return sent;
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
    await this.inConversation(session, (context) => this.deps.conversations.formSaved(context, session));
  }

  async failed(session: CoworkSession): Promise<void> {
    if (await this.toAgentIfHumanOwned(session, agentTexts.caseNotUpdated(session.caseNumber, session.failure ?? 'refused'))) return;
    await this.inConversation(session, async (context) => {
      await context.sendActivity(textsFor(localeOf(session)).failedNotice(session.caseNumber));
    });
  }

  /**
   * True when a person has taken the session's conversation: then `text` went to the agent, not the
   * customer. While a request still waits for a person, the customer is told as usual (a pending
   * handoff never swallows a thank-you) and the agent finds it among the request's notes.
   */
  private async toAgentIfHumanOwned(session: CoworkSession, text: string): Promise<boolean> {
    const handoff = this.deps.handoff;
    const owner = handoff ? await handoff.owner(session.conversationId) : undefined;
    if (!handoff || !owner) return false;
    await handoff.toAgent(owner, { type: 'message', text });
    return owner.state === 'accepted';
  }

  private inConversation(session: CoworkSession, logic: (context: CoworkTurn) => Promise<void>): Promise<void> {
    return this.deps.queue.run(session.conversationId, () => this.deps.proactive.run(session.conversationReference, logic));
  }
}
