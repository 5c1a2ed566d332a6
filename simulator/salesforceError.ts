/**
 * A REST failure in Salesforce's own shape: an HTTP status and a JSON array
 * `[{ message, errorCode, fields }]` (the body jsforce turns into an `HttpApiError`). `fields` is
 * left out (`null`) where Salesforce gives only "the message and errorCode": a bad session, a resource
 * that does not exist (test/simulator/salesforceOracle.test.ts holds this to the REST documentation).
 */
export class SalesforceError extends Error {
  override readonly name = 'SalesforceError';
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] | null = [],
  ) {
    super(message);
  }

  body(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: [...this.fields] } : {}) }];
  }
}

export const sessionInvalid = (): SalesforceError => new SalesforceError(401, 'INVALID_SESSION_ID', 'Session expired or invalid', null);

export const notFound = (message = 'The requested resource does not exist'): SalesforceError => new SalesforceError(404, 'NOT_FOUND', message, null);

export const malformedId = (objectName: string, id: string): SalesforceError =>
  new SalesforceError(400, 'MALFORMED_ID', `${objectName} ID: id value of incorrect type: ${id}`, ['Id']);

export const invalidType = (objectName: string): SalesforceError =>
  new SalesforceError(404, 'NOT_FOUND', `The requested resource does not exist: sObject type '${objectName}' is not supported.`, null);

/** A record (or object) the user's permissions or sharing do not let them change. */
export const insufficientAccess = (): SalesforceError => new SalesforceError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
