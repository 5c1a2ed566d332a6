/**
 * A `Cowork_Message__e` from the coworkPanel as the adapter reads it: the Case in any spelling, the
 * agent trimmed; the bot's own `from_customer` and unknown kinds ignored; no Case or no agent refused
 * with the reason the log gives.
 */
import { decodePanelMessage } from '../../salesforce/panelMessages';

const CASE_18 = '500Sm0000000001IAA';
const event = (payload: Record<string, unknown>) => ({ id: 'evt-7', topic: '/event/Cowork_Message__e', payload, replayId: '7' });

describe('Cowork_Message__e decoded', () => {
  it("reads the panel's message: kind, Case, agent and text", () => {
    expect(
      decodePanelMessage(event({ Kind__c: 'to_customer', Correlation_Id__c: CASE_18.toLowerCase(), Sender__c: ' ana@example.com ', Text__c: 'Hello' })),
    ).toEqual({
      kind: 'message',
      message: { eventId: 'evt-7', caseId: CASE_18, kind: 'to_customer', sender: 'ana@example.com', text: 'Hello' },
    });
    expect(decodePanelMessage(event({ Kind__c: 'takeover', Correlation_Id__c: CASE_18, Sender__c: 'ana' }))).toMatchObject({
      kind: 'message',
      message: { kind: 'takeover', text: '' },
    });
  });

  it("ignores the bot's own messages and kinds it does not know", () => {
    expect(decodePanelMessage(event({ Kind__c: 'from_customer', Correlation_Id__c: CASE_18, Sender__c: 'Customer' }))).toEqual({ kind: 'ignored' });
    expect(decodePanelMessage(event({ Kind__c: 'shout', Correlation_Id__c: CASE_18, Sender__c: 'ana' }))).toEqual({ kind: 'ignored' });
  });

  it('refuses a message without a Case Id or without an agent', () => {
    for (const payload of [
      { Kind__c: 'handback', Correlation_Id__c: 'nope', Sender__c: 'ana' },
      { Kind__c: 'handback', Correlation_Id__c: '003Sm0000000001IAA', Sender__c: 'ana' },
      { Kind__c: 'handback', Correlation_Id__c: CASE_18, Sender__c: '  ' },
    ]) {
      expect(decodePanelMessage(event(payload))).toEqual({
        kind: 'invalid',
        eventId: 'evt-7',
        messageKind: 'handback',
        problem: 'no valid Case Id in Correlation_Id__c, or no Sender__c',
      });
    }
  });
});
