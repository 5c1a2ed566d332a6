/**
 * The agent's request as the adapter reads it: the Case Id in any spelling becomes the 18-character
 * one (the claim and the routing key on it), anything but a Case Id is refused with the reason the
 * log gives, and an empty Form_Id__c asks for the default form.
 */
import { decodeCoworkRequest } from '../../salesforce/coworkRequestEvent';
import type { PlatformEvent } from '../../cowork/ports';

const CASE_15 = '500Sm0000000001';
const CASE_18 = '500Sm0000000001IAA';

function event(payload: Record<string, unknown>): PlatformEvent {
  return { id: 'evt-1', topic: '/event/Cowork_Request__e', payload, replayId: '1' };
}

describe('Cowork_Request__e decoded', () => {
  it('reads the Case (any spelling, as the 18-character id), who asked and the form', () => {
    const decoded = decodeCoworkRequest(event({ Correlation_Id__c: CASE_15, Requested_By__c: 'agent@example.com', Form_Id__c: 'use-of-funds' }));
    expect(decoded).toMatchObject({ ok: true, request: { eventId: 'evt-1', caseId: CASE_18, requestedBy: 'agent@example.com', formId: 'use-of-funds' } });
    expect(decodeCoworkRequest(event({ Correlation_Id__c: CASE_18.toLowerCase() }))).toMatchObject({ ok: true, request: { caseId: CASE_18 } });
  });

  it('an empty Form_Id__c asks for the default form, a missing Requested_By__c is nobody in particular', () => {
    expect(decodeCoworkRequest(event({ Correlation_Id__c: CASE_18, Form_Id__c: '' }))).toMatchObject({
      ok: true,
      request: { formId: null, requestedBy: null },
    });
  });

  it('refuses what is not a Case Id, saying why', () => {
    for (const id of [undefined, '', 'not-an-id', '003Sm0000000001IAA', 42]) {
      expect(decodeCoworkRequest(event({ Correlation_Id__c: id }))).toEqual({ ok: false, eventId: 'evt-1', problem: 'no valid Case Id in Correlation_Id__c' });
    }
  });
});
