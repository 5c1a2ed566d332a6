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
import { AuthType, type AuthConfiguration } from '@microsoft/agents-hosting';
import type { BotConfig } from '../config/config';

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
