/**
 * A REST failure in Salesforce's own shape: an HTTP status and a JSON array
 * `[{ message, errorCode, fields }]` (the body jsforce turns into an `HttpApiError`).
 */
export class SalesforceError extends Error {
  override readonly name = 'SalesforceError';
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
  }

  body(): Array<{ message: string; errorCode: string; fields: string[] }> {
    return [{ message: this.message, errorCode: this.errorCode, fields: [...this.fields] }];
  }
}

export const sessionInvalid = (): SalesforceError => new SalesforceError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const notFound = (message = 'The requested resource does not exist'): SalesforceError => new SalesforceError(404, 'NOT_FOUND', message);

export const malformedId = (objectName: string, id: string): SalesforceError =>
  new SalesforceError(400, 'MALFORMED_ID', `${objectName} ID: id value of incorrect type: ${id}`);

export const invalidType = (objectName: string): SalesforceError =>
  new SalesforceError(404, 'NOT_FOUND', `The requested resource does not exist: sObject type '${objectName}' is not supported.`);

/** A record (or object) the user's permissions or sharing do not let them change. */
export const insufficientAccess = (): SalesforceError => new SalesforceError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
