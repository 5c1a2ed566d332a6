/**
 * A message between a customer's chat and the agent who took it over from the Case (the coworkPanel):
 * its kinds and shape, with no wire format (salesforce/panelMessages.ts maps it to `Cowork_Message__e`).
 *
 * - `takeover`, `to_customer`, `handback`: from the agent in the panel.
 * - `from_customer`: from the bot while a Salesforce agent owns the chat (what the customer wrote, what
 *   the bot would have said, and at takeover the conversation so far).
 */
export const PANEL_MESSAGE_KINDS = ['to_customer', 'from_customer', 'takeover', 'handback'] as const;
export type PanelMessageKind = (typeof PANEL_MESSAGE_KINDS)[number];

export interface PanelMessage {
  caseId: string;
  sessionKey: string | null;
  kind: PanelMessageKind;
  text: string;
  sender: string;
}

export function isPanelMessageKind(value: unknown): value is PanelMessageKind {
  return typeof value === 'string' && (PANEL_MESSAGE_KINDS as readonly string[]).includes(value);
}

/** A message from the agent in the panel, as the adapter read it from its event. */
export interface PanelEventMessage {
  eventId: string;
  /** The Case (18 characters). */
  caseId: string;
  kind: Exclude<PanelMessageKind, 'from_customer'>;
  /** The agent's username, trimmed (never empty). */
  sender: string;
  text: string;
}

/** What the adapter makes of a message event: a message from the panel, the bot's own (ignored), or one that names no Case or agent. */
export type DecodedPanelMessage =
  { kind: 'message'; message: PanelEventMessage } | { kind: 'ignored' } | { kind: 'invalid'; eventId: string; messageKind: string; problem: string };
