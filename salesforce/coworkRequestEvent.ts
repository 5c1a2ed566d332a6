/**
 * `Cowork_Request__e`, an agent's request from the Case (the Send_Cowork_Form flow, the Quick Action,
 * the coworkPanel): its fields read into the core's request. Correlation_Id__c Text(18) (the Case Id,
 * any spelling of it), Requested_By__c Text(80), Form_Id__c Text(40) (empty: the default form).
 */
import type { DecodedRequest } from '../cowork/agentRequests';
import type { PlatformEvent } from '../cowork/ports';
import { KEY_PREFIX, normalizeId } from '../util/salesforceId';

export function decodeCoworkRequest(event: PlatformEvent): DecodedRequest {
  const raw = event.payload.Correlation_Id__c;
  const caseId = typeof raw === 'string' ? normalizeId(raw) : undefined;
  if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) return { ok: false, eventId: event.id, problem: 'no valid Case Id in Correlation_Id__c' };
  const requestedBy = typeof event.payload.Requested_By__c === 'string' ? event.payload.Requested_By__c : null;
  const formId = typeof event.payload.Form_Id__c === 'string' && event.payload.Form_Id__c !== '' ? event.payload.Form_Id__c : null;
  return { ok: true, request: { eventId: event.id, caseId, requestedBy, formId, event } };
}
