/**
 * An agent's request from the Case, the host's part: the core decides (cowork/agentRequests.ts: the
 * claim, the age, the statuses on the panel); this runs the proactive turn that sends the form into
 * the Case's newest linked conversation, exactly as if the chat had started the session.
 */
import type { ProactiveTurns } from '../../dialogs/coworkTurn';
import type { AgentRequests, DecodedRequest, RequestToSend } from '../../cowork/agentRequests';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import type { CoworkBot } from '../turn/coworkBot';

export interface CoworkRequestsDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  bot: CoworkBot;
  requests: AgentRequests;
}

export class CoworkRequests {
  constructor(private readonly deps: CoworkRequestsDeps) {}

  /** The handler of the request topic's one subscription. Resolves once the request's effects are stored. */
  async handle(decoded: DecodedRequest): Promise<void> {
    const toSend = await this.deps.requests.take(decoded);
    if (!toSend) return;
    // Claimed: a redelivery will not come back here, so an unexpected failure is answered now.
    try {
      await this.send(toSend);
    } catch (err) {
      this.deps.requests.failed(toSend.request, err);
    }
  }

  private async send({ request, form, link, detail }: RequestToSend): Promise<void> {
    const { requests } = this.deps;
    let started: string | undefined;
    try {
      await this.deps.queue.run(link.conversationId, () =>
        this.deps.proactive.run(link.conversationReference, async (context) => {
          if (await requests.alreadyPending(request)) return;
          const outcome = await this.deps.bot.startRequested(context, request.caseId, form, detail, (sessionKey) => (started = sessionKey));
          if (outcome.kind !== 'started') requests.refused(request, outcome);
        }),
      );
    } catch (err) {
      if (started) await requests.unreachable(request, started, link.conversationId, err);
      else requests.notStarted(request, err);
      return;
    }
    if (started) requests.sent(request, started);
  }
}
