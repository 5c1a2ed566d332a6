/**
 * The host's signed events: `cowork.start` (start a form for the token's Case in this conversation)
 * and `cowork.link` (link this conversation to the Case, for the agent's requests from it). The
 * token (bot/turn/startToken.ts) is bound to this user and conversation and short-lived.
 */
import type { CaseLinks } from '../../cowork/stores/links';
import type { Log } from '../../util/log';
import { conversationReferenceOf, type CoworkTurn } from '../../dialogs/coworkTurn';
import { textsFor } from '../../dialogs/texts';
import { verifyStartToken } from './startToken';

export interface TokenEventsDeps {
  /** `COWORK_START_SECRET`; without it both events are refused. */
  secret: string | undefined;
  maxLifetimeSeconds: number;
  links?: CaseLinks;
  log: Log;
  startSession: (turn: CoworkTurn, caseRef: string) => Promise<void>;
}

export class TokenEvents {
  constructor(private readonly deps: TokenEventsDeps) {}

  async start(context: CoworkTurn): Promise<void> {
    const texts = textsFor(context.activity.locale);
    const secret = this.deps.secret;
    if (!secret) {
      this.deps.log.warn({ conversationId: context.activity.conversation.id }, 'cowork.start refused: COWORK_START_SECRET is not configured');
      await context.sendActivity(texts.startNotSetUp);
      return;
    }
    const value = context.activity.value as { token?: unknown } | undefined;
    const check = verifyStartToken(secret, value?.token, {
      userId: context.activity.from?.id ?? '',
      conversationId: context.activity.conversation.id,
      maxLifetimeSeconds: this.deps.maxLifetimeSeconds,
    });
    if (!check.ok) {
      this.deps.log.warn({ conversationId: context.activity.conversation.id, reason: check.reason }, 'cowork.start refused');
      await context.sendActivity(texts.startRefused(check.reason));
      return;
    }
    await this.deps.startSession(context, check.claims.caseId);
  }

  /**
   * The host's signed `cowork.link` (same token as `cowork.start`): links this conversation to the
   * Case so an agent can send the form from the Case later. Starts no form and says nothing to
   * the customer, who did not ask for anything; a refused token is logged.
   */
  async link(context: CoworkTurn): Promise<void> {
    const secret = this.deps.secret;
    const conversationId = context.activity.conversation.id;
    if (!secret || !this.deps.links) {
      this.deps.log.warn({ conversationId }, 'cowork.link refused: COWORK_START_SECRET is not configured');
      return;
    }
    const value = context.activity.value as { token?: unknown } | undefined;
    const check = verifyStartToken(secret, value?.token, {
      userId: context.activity.from?.id ?? '',
      conversationId,
      maxLifetimeSeconds: this.deps.maxLifetimeSeconds,
    });
    if (!check.ok) {
      this.deps.log.warn({ conversationId, reason: check.reason }, 'cowork.link refused');
      return;
    }
    await this.deps.links.link(check.claims.caseId, {
      conversationId,
      conversationReference: conversationReferenceOf(context.activity),
      userId: context.activity.from?.id ?? '',
    });
    this.deps.log.info({ conversationId, caseId: check.claims.caseId }, 'conversation linked to the Case');
  }
}
