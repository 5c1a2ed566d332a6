/**
 * `Cowork_Message__e`: the chat an agent took over from the Case, both directions, as the issue
 * names it — Correlation_Id__c Text(18) (the Case Id), Session_Key__c Text(64), Kind__c Text(16),
 * Text__c Long Text Area(32768), Sender__c Text(80).
 *
 * - `takeover`, `to_customer`, `handback`: published by the coworkPanel (the Send_Cowork_Message flow),
 *   Sender__c the agent's username.
 * - `from_customer`: published by the bot while a Salesforce agent owns the chat: what the customer
 *   wrote (Sender__c `Customer`), what the bot would have said to them (`Bot`), and at takeover the
 *   conversation so far (each turn with its speaker). Kind says the direction, Sender who spoke.
 */
import { fitToField } from '../util/salesforceText';
import { isPanelMessageKind, type DecodedPanelMessage, type PanelMessage } from '../cowork/domain/panelMessage';
import type { PlatformEvent } from '../cowork/ports';
import { KEY_PREFIX, normalizeId } from '../util/salesforceId';

export { PANEL_MESSAGE_KINDS, isPanelMessageKind, type PanelMessage, type PanelMessageKind } from '../cowork/domain/panelMessage';

export const PANEL_MESSAGE_LIMITS = { Correlation_Id__c: 18, Session_Key__c: 64, Kind__c: 16, Text__c: 32_768, Sender__c: 80 } as const;

/** The event's fields; a value too long for its field is cut (Salesforce refuses the whole event otherwise). */
export function panelMessageFields(message: PanelMessage): Record<string, string | null> {
  const cut = (value: string | null, max: number): string | null => (value === null || value === '' ? null : fitToField(value, { units: max }));
  return {
    Correlation_Id__c: cut(message.caseId, PANEL_MESSAGE_LIMITS.Correlation_Id__c),
    Session_Key__c: cut(message.sessionKey, PANEL_MESSAGE_LIMITS.Session_Key__c),
    Kind__c: message.kind,
    Text__c: cut(message.text, PANEL_MESSAGE_LIMITS.Text__c),
    Sender__c: cut(message.sender, PANEL_MESSAGE_LIMITS.Sender__c),
  };
}

/** A `Cowork_Message__e` from the panel read into the core's message; the bot's own (`from_customer`) and unknown kinds are ignored. */
export function decodePanelMessage(event: PlatformEvent): DecodedPanelMessage {
  const kind = event.payload.Kind__c;
  if (!isPanelMessageKind(kind) || kind === 'from_customer') return { kind: 'ignored' };
  const raw = event.payload.Correlation_Id__c;
  const caseId = typeof raw === 'string' ? normalizeId(raw) : undefined;
  const sender = typeof event.payload.Sender__c === 'string' ? event.payload.Sender__c.trim() : '';
  if (!caseId || !caseId.startsWith(KEY_PREFIX.Case) || sender === '') {
    return { kind: 'invalid', eventId: event.id, messageKind: kind, problem: 'no valid Case Id in Correlation_Id__c, or no Sender__c' };
  }
  const text = typeof event.payload.Text__c === 'string' ? event.payload.Text__c : '';
  return { kind: 'message', message: { eventId: event.id, caseId, kind, sender, text } };
}
