/**
 * The channel adapter: botbuilder's CloudAdapter with the standard Bot Framework
 * authentication variables. With no MicrosoftAppId it accepts unauthenticated requests
 * (Bot Framework Emulator); with one, the SDK validates every request's token.
 */
import { answerFailedTurn } from '../turn/failedTurn';
import { ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from 'botbuilder';
import type { Log } from '../../util/log';
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import type { BotConfig } from '../config/config';
import { ChannelAdapter, GuardedBotFrameworkAuthentication } from './channelAuth';
import { ReusingBotFrameworkAuthentication } from './connectorClients';
import { boundSends } from './sendBound';

export { APOLOGY } from '../turn/failedTurn';

/**
 * `authOverrides`: botbuilder authentication settings no environment variable of this bot sets
 * (e.g. where the channel's OpenID metadata is fetched, for a test on loopback).
 */
export function createAdapter(
  app: BotConfig['microsoftApp'],
  log: Log,
  authOverrides: Partial<ConfigurationBotFrameworkAuthenticationOptions> = {},
  /** `COWORK_SEND_TIMEOUT_SECONDS`, in ms: the bound of every send (sendBound.ts). */
  sendTimeoutMs = 10_000,
): ChannelAdapter {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: app.id,
    MicrosoftAppPassword: app.password,
    MicrosoftAppType: app.type,
    MicrosoftAppTenantId: app.tenantId,
    ...authOverrides,
  };
  // Rejected tokens become fixed 401 / 503 answers (channelAuth.ts); one connector client per
  // channel endpoint instead of one per turn, replies as plain signed POSTs.
  const authentication = new GuardedBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication(options), app.id !== '');
  // A connector call with no answer within the send bound is dropped (its socket too).
  const adapter = new ChannelAdapter(new ReusingBotFrameworkAuthentication(authentication, { timeoutMs: sendTimeoutMs }));
  boundSends(adapter, sendTimeoutMs);

  adapter.onTurnError = (context: TurnContext, error: Error) => answerFailedTurn(log, context, error);
  return adapter;
}

/**
 * botbuilder's `TurnContext` is the host-neutral turn as it is (dialogs/coworkTurn.ts): this line
 * stops compiling if either changes so that it is not.
 */
export const botbuilderTurn = (context: TurnContext): CoworkTurn => context;
