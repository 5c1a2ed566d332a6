/**
 * The one login to the org: a jsforce `Connection` for REST, whose token the Pub/Sub client
 * borrows (`user-supplied` mode).
 *
 * Client credentials, JWT bearer and password logins get no refresh token, so jsforce is given
 * a `refreshFn` that simply logs in again; jsforce runs it once for any number of concurrent
 * 401s (its SessionRefreshDelegate shares one promise). The gRPC side goes through the same
 * delegate via `renew`, so REST and Pub/Sub never log in twice for one expiry.
 */
import { errorMessage } from '../util/errors';
import { Connection } from 'jsforce';
import jwt from 'jsonwebtoken';

import type { Log } from '../util/log';
import { PASSWORD_FLOW_WARNING, type SalesforceConfig, type SalesforceCredentials } from './config';

/** What the Pub/Sub client needs to ride on the REST login. */
export interface AccessGrant {
  accessToken: string;
  instanceUrl: string;
  organizationId: string;
  userId: string;
}

export class SalesforceSession {
  private userId = '';
  private organizationId = '';
  /** The JWT `aud` the org accepted, tried first on the next login. */
  private acceptedAudience: string | undefined;

  private constructor(
    readonly connection: Connection,
    private readonly config: SalesforceConfig,
    private readonly log: Log,
  ) {
    connection.on('refresh', () => this.log.info({ instanceUrl: connection.instanceUrl }, 'salesforce session renewed'));
  }

  /** Logs in (or adopts the configured access token) and proves the session works. */
  static async open(config: SalesforceConfig, log: Log): Promise<SalesforceSession> {
    const { credentials } = config;
    const canLogIn = credentials.type !== 'access-token';
    const connection = new Connection({
      version: config.apiVersion,
      loginUrl: config.loginUrl,
      ...(credentials.type === 'access-token' ? { accessToken: credentials.accessToken, instanceUrl: credentials.instanceUrl } : {}),
      ...(credentials.type === 'client-credentials' || credentials.type === 'username-password'
        ? { oauth2: { loginUrl: config.loginUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret } }
        : {}),
      // Without a refresh token, "refreshing" is logging in again with the same credentials.
      ...(canLogIn
        ? {
            refreshFn: (_conn: Connection, callback: (err: Error | null, accessToken?: string) => void) => {
              // Runs on a 401, after `session` below is assigned.
              session.logIn().then(
                () => callback(null, connection.accessToken ?? undefined),
                (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
              );
            },
          }
        : {}),
    });
    const session = new SalesforceSession(connection, config, log);
    if (credentials.type === 'username-password') log.warn({ authType: credentials.type }, PASSWORD_FLOW_WARNING);
    try {
      if (canLogIn) await session.logIn();
      else await session.adoptAccessToken();
    } catch (error) {
      throw explainLoginError(error, credentials.type);
    }
    log.info({ instanceUrl: connection.instanceUrl, organizationId: session.organizationId, authType: credentials.type }, 'salesforce session opened');
    return session;
  }

  grant(): AccessGrant {
    const { accessToken, instanceUrl } = this.connection;
    if (!accessToken) throw new Error('The Salesforce session has no access token');
    return { accessToken, instanceUrl, organizationId: this.organizationId, userId: this.userId };
  }

  /**
   * Called when a token was rejected (e.g. by the Pub/Sub API). Logs in again unless someone
   * already did since that token was handed out; concurrent callers share one login.
   */
  async renew(rejectedToken: string): Promise<AccessGrant> {
    if (this.connection.accessToken !== rejectedToken) return this.grant();
    const delegate = this.connection._refreshDelegate;
    if (!delegate) {
      throw new Error('Salesforce rejected the access token and SF_AUTH_TYPE=access-token cannot renew it: set a fresh SF_ACCESS_TOKEN');
    }
    await delegate.refresh(Date.now());
    return this.grant();
  }

  private async logIn(): Promise<void> {
    const credentials: SalesforceCredentials = this.config.credentials;
    const connection = this.connection;
    let userInfo: { id: string; organizationId: string };
    switch (credentials.type) {
      case 'client-credentials':
        userInfo = await connection.authorize({ grant_type: 'client_credentials' });
        break;
      case 'jwt-bearer':
        userInfo = await this.jwtLogin(credentials);
        break;
      case 'username-password':
        userInfo = await connection.loginByOAuth2(credentials.username, credentials.password);
        break;
      case 'access-token':
        throw new Error('An access token cannot be renewed');
    }
    this.userId = userInfo.id;
    this.organizationId = userInfo.organizationId;
  }

  /**
   * JWT bearer, trying the audiences in the Salesforce CLI's order (jwtAudienceCandidates) on an
   * "audience" refusal only, and keeping the one that worked for the next logins.
   */
  private async jwtLogin(credentials: Extract<SalesforceCredentials, { type: 'jwt-bearer' }>): Promise<{ id: string; organizationId: string }> {
    const candidates = this.acceptedAudience
      ? [this.acceptedAudience, ...credentials.audiences.filter((a) => a !== this.acceptedAudience)]
      : credentials.audiences;
    const refusals: string[] = [];
    for (const aud of candidates) {
      const assertion = jwt.sign({ iss: credentials.clientId, sub: credentials.username, aud }, credentials.privateKeyPem, {
        algorithm: 'RS256',
        expiresIn: 180,
      });
      try {
        const info = await this.connection.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
        if (this.acceptedAudience !== aud) this.log.info({ audience: aud, refused: refusals }, 'JWT bearer login: the org accepts this audience');
        this.acceptedAudience = aud;
        return info;
      } catch (error) {
        const message = errorMessage(error);
        // Like the CLI: another audience only when this one was the problem.
        if (!message.includes('audience')) throw error;
        refusals.push(`${aud}: ${message}`);
      }
    }
    throw new Error(`JWT bearer login refused for every audience tried (set SF_JWT_AUDIENCE to the one your org expects): ${refusals.join('; ')}`);
  }

  /** A token from elsewhere: ask who it belongs to, which also proves it is valid right now. */
  private async adoptAccessToken(): Promise<void> {
    const info = await this.connection.request<{ user_id?: string; organization_id?: string }>('/services/oauth2/userinfo');
    if (!info.user_id || !info.organization_id) throw new Error('Salesforce userinfo did not name the user and org of SF_ACCESS_TOKEN');
    this.userId = info.user_id;
    this.organizationId = info.organization_id;
  }
}

/** Which variables hold what the org refused, and where their values come from. */
const LOGIN_FIX: Record<SalesforceCredentials['type'], string> = {
  'client-credentials':
    "check SF_CLIENT_ID and SF_CLIENT_SECRET: the Consumer Key and Consumer Secret in Setup → External Client App Manager → Cowork Bot → Settings → OAuth Settings (docs/SALESFORCE.md), and that SF_LOGIN_URL is that org's My Domain",
  'jwt-bearer':
    'check SF_CLIENT_ID (the Consumer Key in Setup → External Client App Manager → Cowork Bot), SF_USERNAME (a user pre-authorised for the app) and SF_PRIVATE_KEY_FILE (the key of the certificate uploaded to the app) (docs/SALESFORCE.md)',
  'username-password':
    "check SF_USERNAME and SF_PASSWORD (the password followed by the user's security token), and SF_CLIENT_ID / SF_CLIENT_SECRET if set (docs/SALESFORCE.md)",
  'access-token': 'SF_ACCESS_TOKEN is not (or no longer) valid for SF_INSTANCE_URL: get a fresh one (sf org display)',
};

/** A refused first login names the variables to fix; other failures (network, TLS) stay as they are. */
function explainLoginError(error: unknown, type: SalesforceCredentials['type']): unknown {
  if (!(error instanceof Error)) return error;
  const refused =
    /invalid_client|invalid client|client identifier|invalid_grant|authentication failure|INVALID_LOGIN|INVALID_SESSION_ID|Session expired or invalid|user hasn't approved|invalid assertion|audience/i;
  if (!refused.test(`${error.name} ${error.message}`)) return error;
  const explained = new Error(`Salesforce refused the login (${error.message}): ${LOGIN_FIX[type]}`);
  explained.name = error.name;
  return explained;
}
