/**
 * Who may use the org: the integration user's credentials, the External Client App's client
 * id/secret and JWT public key, and the access tokens handed out. REST and Pub/Sub both ask
 * it whether a token is (still) valid, so "expire all tokens" hits both at once.
 *
 * Which grants work follows the deployed External Client App (`salesforce/force-app`): client
 * credentials only when the app's global settings and the admin's policies both enable it, a
 * run-as user exists, and the request reaches the org's My Domain host; JWT bearer only with the
 * audience Salesforce expects and, under "admin approved users are pre-authorised", for a user who
 * has one of the policies' permission sets. Sessions end after a timeout without activity.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';

export interface Credentials {
  orgId: string;
  userId: string;
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
  /** PEM the JWT bearer assertions are verified with. */
  jwtPublicKey: string;
}

/** The OAuth side of the deployed External Client App, as the org enforces it. */
export interface OAuthAppPolicy {
  name: string;
  /** `isClientCredentialsFlowEnabled` in both the global settings and the policies. */
  clientCredentialsEnabled: boolean;
  /** `clientCredentialsFlowUser` of the policies (undefined: not configured). */
  runAsUser: string | undefined;
  /** Permission sets pre-authorised by the policies; undefined when users self-authorise. */
  preAuthorizedPermissionSets: readonly string[] | undefined;
}

export interface AuthorityOptions {
  app: OAuthAppPolicy;
  /** Host names (no port) that are the org's My Domain; every other host is a generic login host. */
  myDomainHosts: readonly string[];
  /** What `aud` of a JWT bearer assertion must be: https://login.salesforce.com, or test. for a sandbox. */
  /** The JWT `aud` values this org accepts (a real org: login.salesforce.com or test.salesforce.com; the CLI also tries the My Domain). */
  jwtAudiences: readonly string[];
  /** Session timeout (Setup > Session Settings): a token unused this long is invalid. */
  sessionTimeoutMs: number;
  /** Permission sets assigned to the integration user, by name. */
  userPermissionSets: () => readonly string[];
  clock: SimClock;
}

/** The simulator's time: real time plus whatever a test skipped forward (session timeouts, the 24 h limit window). */
export class SimClock {
  /** `offsetMs`: how far the org's clock starts ahead of this machine's (negative: behind). */
  constructor(private offsetMs = 0) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}

export interface TokenResponse {
  access_token: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
}

/** An OAuth 2.0 token endpoint refusal: HTTP 400 `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Authority {
  /** Token -> when the session was last extended. */
  private readonly tokens = new Map<string, number>();

  constructor(
    readonly credentials: Credentials,
    private readonly loginUrl: string,
    readonly options: AuthorityOptions,
  ) {}

  get identityUrl(): string {
    return `${this.loginUrl}/id/${this.credentials.orgId}/${this.credentials.userId}`;
  }

  /** A new session token, `{orgId15}!{opaque}` like Salesforce's. */
  issueToken(): string {
    const token = `${this.credentials.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.tokens.set(token, this.options.clock.now());
    return token;
  }

  /** Whether the token is a live session; using it extends the session as Salesforce does (past half the timeout). */
  isValid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const extendedAt = this.tokens.get(token);
    if (extendedAt === undefined) return false;
    const now = this.options.clock.now();
    const idle = now - extendedAt;
    if (idle >= this.options.sessionTimeoutMs) {
      this.tokens.delete(token);
      return false;
    }
    if (idle > this.options.sessionTimeoutMs / 2) this.tokens.set(token, now);
    return true;
  }

  /** Every token stops working (a session timeout, a revoked app, a password reset…). */
  expireAll(): void {
    this.tokens.clear();
  }

  /** The token endpoint: client credentials, JWT bearer, or username-password. `host` is the request's Host header. */
  grant(params: URLSearchParams, host: string | undefined): TokenResponse {
    const grantType = params.get('grant_type');
    switch (grantType) {
      case 'client_credentials':
        // Salesforce serves this grant only on the org's own My Domain, not on login/test.salesforce.com.
        if (!this.isMyDomain(host)) throw new OAuthError('invalid_grant', 'request not supported on this domain');
        this.checkClient(params, true);
        if (!this.options.app.clientCredentialsEnabled) throw new OAuthError('unsupported_grant_type', 'grant type not supported');
        if (this.options.app.runAsUser === undefined || this.options.app.runAsUser.toLowerCase() !== this.credentials.username.toLowerCase()) {
          throw new OAuthError('invalid_grant', 'no client credentials user enabled');
        }
        return this.tokenResponse();
      case 'password':
        this.checkClient(params, true);
        if (params.get('username') !== this.credentials.username || !sameSecret(params.get('password') ?? undefined, this.credentials.password)) {
          throw new OAuthError('invalid_grant', 'authentication failure');
        }
        this.checkPreAuthorized();
        return this.tokenResponse();
      case JWT_BEARER:
        this.checkAssertion(params.get('assertion') ?? '');
        return this.tokenResponse();
      case null:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /** The SOAP `login()` call: answers the session id, or undefined on bad credentials. */
  soapLogin(username: string, password: string): string | undefined {
    if (username !== this.credentials.username || !sameSecret(password, this.credentials.password)) return undefined;
    return this.issueToken();
  }

  private isMyDomain(host: string | undefined): boolean {
    if (host === undefined) return false;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
    return this.options.myDomainHosts.includes(name.toLowerCase());
  }

  private checkClient(params: URLSearchParams, secretRequired: boolean): void {
    if (params.get('client_id') !== this.credentials.clientId) {
      throw new OAuthError('invalid_client_id', 'client identifier invalid');
    }
    if (secretRequired && !sameSecret(params.get('client_secret') ?? undefined, this.credentials.clientSecret)) {
      throw new OAuthError('invalid_client', 'invalid client credentials');
    }
  }

  private checkAssertion(assertion: string): void {
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(assertion, this.credentials.jwtPublicKey, {
        algorithms: ['RS256'],
        // The login server's URL (login. or test.salesforce.com, or what the org is set to accept), with or without a trailing slash.
        audience: this.options.jwtAudiences.flatMap((a) => [a, `${a}/`]),
      });
    } catch (error) {
      const reason =
        error instanceof jwt.TokenExpiredError
          ? 'expired authorization code'
          : error instanceof Error && error.message.startsWith('jwt audience invalid')
            ? 'audience is invalid'
            : error instanceof Error
              ? error.message
              : 'invalid assertion';
      throw new OAuthError('invalid_grant', reason);
    }
    if (typeof claims === 'string' || typeof claims.exp !== 'number') throw new OAuthError('invalid_grant', 'invalid assertion: exp is required');
    if (claims.iss !== this.credentials.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (claims.sub !== this.credentials.username) throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    this.checkPreAuthorized();
  }

  /** "Admin approved users are pre-authorized": a user logging in through the app needs one of the policies' permission sets. */
  private checkPreAuthorized(): void {
    const preAuthorized = this.options.app.preAuthorizedPermissionSets;
    if (preAuthorized !== undefined && !this.options.userPermissionSets().some((name) => preAuthorized.includes(name))) {
      throw new OAuthError('invalid_grant', 'user is not admin approved to access this app');
    }
  }

  private tokenResponse(): TokenResponse {
    const issuedAt = String(Date.now());
    return {
      access_token: this.issueToken(),
      signature: createHmac('sha256', this.credentials.clientSecret)
        .update(this.identityUrl + issuedAt)
        .digest('base64'),
      scope: 'api',
      instance_url: this.loginUrl,
      id: this.identityUrl,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }
}
