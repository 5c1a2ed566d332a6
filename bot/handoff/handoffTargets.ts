/**
 * Where a customer's request for a person goes, chosen in one place (`chooseHandoffTarget`):
 *
 * - a **contact-centre connector**, when the customer's channel is listed in `COWORK_HANDOFF_CHANNELS`:
 *   `handoff.initiate` goes into the customer's conversation, where the connector reads it. Nowhere
 *   else: Teams and Agents Playground refuse bot-sent event activities (HTTP 400), and elsewhere
 *   nothing reads them. A refusal (any failed send) means nobody can come;
 * - the **agent relay** (`COWORK_AGENT_KEY`): told directly — the request joins the waiting list its
 *   agents read (`/agent list`); the customer's channel gets only the message;
 * - **none**: nobody can take the chat here, and no person is offered.
 *
 * A target is told before the request is recorded, so one that refuses leaves nothing recorded
 * and the customer is never left talking to nobody. Another target (a Salesforce agent's panel,
 * say) is one more `HandoffTarget` and one more line in `chooseHandoffTarget`.
 */
import { EventFactory, type TurnContext } from 'botbuilder';
import type { HandoffRecord } from '../../cowork/handoff';
import type { CoworkSession } from '../../cowork/session';
import type { Log } from '../../util/log';

/** The context sent with a request: what an agent needs to pick up the co-work session. */
export interface CoworkHandoffContext {
  reason: 'customer asked for a person';
  trigger: HandoffRecord['trigger'];
  userId: string;
  caseId: string | null;
  caseNumber: string | null;
  coworkState: CoworkSession['state'] | 'none';
  formId: string | null;
  /** The answer so far, as labels (what the event said, else what the customer submitted). */
  answers: Record<string, string> | null;
}

export interface HandoffTarget {
  /** For logs and docs: `connector`, `agent relay`, … */
  readonly name: string;
  /**
   * Tells the target that the customer of `context` wants a person. Resolves false when the
   * target refused or could not be reached: nothing is recorded then. Never throws.
   */
  ask(context: TurnContext, request: CoworkHandoffContext): Promise<boolean>;
}

/** Picks the target for a customer's channel; undefined when nothing can take a chat there. */
export type HandoffTargetChooser = (channelId: string) => HandoffTarget | undefined;

/** A contact-centre connector reading `handoff.initiate` in the customer's own conversation. */
export function connectorTarget(log: Log): HandoffTarget {
  return {
    name: 'connector',
    async ask(context, request) {
      try {
        await context.sendActivity(EventFactory.createHandoffInitiation(context, request, { activities: [context.activity] }));
        return true;
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        log.warn(
          { conversationId: context.activity.conversation.id, channelId: context.activity.channelId, status: typeof status === 'number' ? status : undefined },
          'handoff.initiate refused by the channel: nobody can join, nothing recorded',
        );
        return false;
      }
    },
  };
}

/** The local agent relay: the recorded request is what its agents list and take. */
export const relayTarget: HandoffTarget = {
  name: 'agent relay',
  ask: () => Promise.resolve(true),
};

/**
 * The one place a target is chosen: the connector for a channel it reads, else the relay when it
 * is on, else none. `handoffChannels` are lower-case channel ids.
 */
export function chooseHandoffTarget(options: { handoffChannels: readonly string[]; relay: boolean; log: Log }): HandoffTargetChooser {
  const connector = connectorTarget(options.log);
  return (channelId) => {
    if (options.handoffChannels.includes(channelId.toLowerCase())) return connector;
    if (options.relay) return relayTarget;
    return undefined;
  };
}
