/**
 * Who may use the org: the integration user's credentials, the External Client App's client
 * id/secret and JWT public key, and the access tokens handed out. REST and Pub/Sub both ask
 * it whether a token is (still) valid, so "expire all tokens" hits both at once.
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
  private readonly tokens = new Set<string>();

  constructor(
    readonly credentials: Credentials,
    private readonly loginUrl: string,
  ) {}

  get identityUrl(): string {
    return `${this.loginUrl}/id/${this.credentials.orgId}/${this.credentials.userId}`;
  }

  /** A new session token, `{orgId15}!{opaque}` like Salesforce's. */
  issueToken(): string {
    const token = `${this.credentials.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  isValid(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token);
  }

  /** Every token stops working (a session timeout, a revoked app, a password reset…). */
  expireAll(): void {
    this.tokens.clear();
  }

  /** The token endpoint: client credentials, JWT bearer, or username-password. */
  grant(params: URLSearchParams): TokenResponse {
    const grantType = params.get('grant_type');
    switch (grantType) {
      case 'client_credentials':
        this.checkClient(params, true);
        return this.tokenResponse();
      case 'password':
        this.checkClient(params, true);
        if (params.get('username') !== this.credentials.username || !sameSecret(params.get('password') ?? undefined, this.credentials.password)) {
          throw new OAuthError('invalid_grant', 'authentication failure');
        }
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
        audience: [this.loginUrl, `${this.loginUrl}/`],
      });
    } catch (error) {
      const reason = error instanceof jwt.TokenExpiredError ? 'expired authorization code' : error instanceof Error ? error.message : 'invalid assertion';
      throw new OAuthError('invalid_grant', reason);
    }
    if (typeof claims === 'string' || typeof claims.exp !== 'number') throw new OAuthError('invalid_grant', 'invalid assertion: exp is required');
    if (claims.iss !== this.credentials.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (claims.sub !== this.credentials.username) throw new OAuthError('invalid_grant', 'user hasn\'t approved this consumer');
  }

  private tokenResponse(): TokenResponse {
    const issuedAt = String(Date.now());
    return {
      access_token: this.issueToken(),
      signature: createHmac('sha256', this.credentials.clientSecret).update(this.identityUrl + issuedAt).digest('base64'),
      scope: 'api',
      instance_url: this.loginUrl,
      id: this.identityUrl,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }
}
