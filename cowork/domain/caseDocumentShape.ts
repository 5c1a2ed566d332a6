/**
 * What the bot keeps per Case (cowork/case/{caseId}): the document's shape and its bounds, shared by
 * the store (caseDocument.ts) and the reading of the earlier layout (caseDocumentMigration.ts).
 */
export interface ConversationLink {
  conversationId: string;
  /** The botbuilder conversation reference, as JSON (the core never looks inside). */
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  linkedAt: string;
}

/** When the answer now on the Case for one form was given (the event's CreatedDate, ms), and by which session. */
export interface RecordedAnswer {
  createdAt: number;
  sessionKey: string;
}

export interface CaseDocument {
  keys: string[];
  links: ConversationLink[];
  requests: string[];
  answers: Record<string, RecordedAnswer>;
}

/** Conversations kept per Case: the newest is the one a request goes to. */
export const MAX_LINKS = 5;
/** Requests remembered per Case, so a redelivered or twice-seen request is taken once. */
export const MAX_REQUESTS = 50;
