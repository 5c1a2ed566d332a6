/**
 * Channel authentication on the Agents SDK: its own `AuthConfiguration`, checked by its own JWT
 * middleware (`authorizeJWT`, inside `createAgentRequestHandler`). The bot's validated
 * configuration names the app the Bot Framework way; they map to the SDK's names as:
 *
 * | Bot Framework (this bot, botbuilder)  | Agents SDK (`AuthConfiguration`, env of `loadAuthConfigFromEnv`) |
 * |---|---|
 * | `MicrosoftAppId`                      | `clientId` (`connections__serviceConnection__settings__clientId`) |
 * | `MicrosoftAppPassword`                | `clientSecret`                                                    |
 * | `MicrosoftAppTenantId`                | `tenantId`                                                        |
 * | `MicrosoftAppType=UserAssignedMSI`    | `authType=UserManagedIdentity`                                    |
 *
 * `MicrosoftAppType` MultiTenant / SingleTenant need no setting of their own: a tenant id makes the
 * authority the tenant's. Without an app id the SDK accepts anonymous requests (local use) unless
 * NODE_ENV=production, where it refuses to start.
 */
import { AuthType, CloudAdapter, type AuthConfiguration, type ConnectorClient, type HeaderPropagationCollection } from '@microsoft/agents-hosting';
import type { Activity } from '@microsoft/agents-activity';
import type { JwtPayload } from 'jsonwebtoken';
import type { Log } from '../../util/log';
import type { BotConfig } from '../config/config';
import { answerFailedTurn } from '../turn/failedTurn';
import { agentsTurn } from './agentsTurn';

/** The SDK's authentication settings for the bot's app (`overrides`: what no variable sets, e.g. a test's key server). */
export function agentsAuthConfig(app: BotConfig['microsoftApp'], overrides: Partial<AuthConfiguration> = {}): AuthConfiguration {
  if (!app.id) return { ...overrides };
  return {
    clientId: app.id,
    ...(app.password ? { clientSecret: app.password } : {}),
    ...(app.tenantId ? { tenantId: app.tenantId } : {}),
    ...(app.type === 'UserAssignedMSI' ? { authType: AuthType.UserManagedIdentity } : {}),
    ...overrides,
  };
}

/**
 * The SDK's `CloudAdapter` for the bot's app, as the botbuilder host's (bot/edge/adapter.ts): a turn
 * that fails is logged and the user is told in plain words, never left without a reply.
 */
export function createAgentsAdapter(app: BotConfig['microsoftApp'], log: Log): CloudAdapter {
  const adapter = new PathEncodingCloudAdapter(agentsAuthConfig(app));
  adapter.onTurnError = (context, error) => answerFailedTurn(log, agentsTurn(context), error);
  return adapter;
}

/**
 * The SDK's `CloudAdapter`, whose connector calls encode the conversation id in the URL path. Its
 * `ConnectorClient` (1.8.1) puts the id into `v3/conversations/{id}/...` as it is (botbuilder encodes
 * it), and the activity id of an update or delete too: an id with `#`, `?` or a line break (a
 * hostile Direct Line client can choose its own) sends the reply to another path, and the turn fails.
 */
export class PathEncodingCloudAdapter extends CloudAdapter {
  protected override async createConnectorClient(
    serviceUrl: string,
    scope: string,
    identity: JwtPayload,
    headers?: HeaderPropagationCollection,
  ): Promise<ConnectorClient> {
    return encodingPaths(await super.createConnectorClient(serviceUrl, scope, identity, headers));
  }

  protected override async createConnectorClientWithIdentity(
    identity: JwtPayload,
    activity: Activity,
    headers?: HeaderPropagationCollection,
  ): Promise<ConnectorClient> {
    return encodingPaths(await super.createConnectorClientWithIdentity(identity, activity, headers));
  }
}

function encodingPaths(client: ConnectorClient): ConnectorClient {
  const reply = client.replyToActivity.bind(client);
  const send = client.sendToConversation.bind(client);
  const update = client.updateActivity.bind(client);
  const remove = client.deleteActivity.bind(client);
  // replyToActivity encodes the activity id itself; the others encode nothing.
  client.replyToActivity = (conversationId, activityId, body) => reply(encodeURIComponent(conversationId), activityId, body);
  client.sendToConversation = (conversationId, body) => send(encodeURIComponent(conversationId), body);
  client.updateActivity = (conversationId, activityId, body) => update(encodeURIComponent(conversationId), encodeURIComponent(activityId), body);
  client.deleteActivity = (conversationId, activityId, targeted) => remove(encodeURIComponent(conversationId), encodeURIComponent(activityId), targeted);
  return client;
}
