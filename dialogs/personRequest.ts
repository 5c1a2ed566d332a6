/**
 * Language matching for a typed request for a person: "agent", "talk to someone", "a human
 * please", and the negations that are no request ("I don't want to talk to an agent").
 */

const PERSON =
  '(?:a\\s+|an\\s+|the\\s+|some\\s+|real\\s+|live\\s+|actual\\s+)*(?:person|human(?:\\s+being)?|agent|someone|somebody|representative|operator|advisor|adviser|staff)';
const ASKS_FOR_PERSON: readonly RegExp[] = [
  // The whole message is the request: "agent", "a human", "person please", "representative!"
  new RegExp(`^${PERSON}(?:\\s+please)?$`),
  // "talk to someone", "can I speak with a person", "I want to chat to a human agent"
  new RegExp(`\\b(?:talk|speak|chat)\\s+(?:to|with)\\s+${PERSON}\\b`),
  // "I want a human", "get me an agent", "connect me to a person"
  new RegExp(`\\b(?:want|need|get\\s+me|connect\\s+me\\s+(?:to|with)|transfer\\s+me\\s+to)\\s+${PERSON}\\b`),
  new RegExp(`\\b(?:real|live)\\s+(?:person|human|agent)\\b`),
];

/** "I don't want to talk to an agent", "no need for a human", "not a person": a negated request is no request. */
const NEGATED_PERSON = new RegExp(
  `\\b(?:don t|dont|do not|doesn t|does not|won t|will not|wouldn t|would not|no need|not|never|without|rather not|no)\\b(?:\\s+\\S+){0,6}?\\s+${PERSON}\\b`,
);

function normalizedRequest(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when a typed message asks for a human ("agent", "human", "talk to someone", "a person" ...), and does not say it does not want one. */
export function asksForPerson(text: string): boolean {
  const normalized = normalizedRequest(text);
  if (normalized === '' || normalized.length > 200) return false;
  if (NEGATED_PERSON.test(normalized)) return false;
  return ASKS_FOR_PERSON.some((pattern) => pattern.test(normalized));
}

/**
 * The message without its clauses that decline a person ("I don't want to talk to an agent,
 * renovation please" → "renovation please"), so the rest can be read as an answer; the message
 * itself when it declines nothing.
 */
export function withoutDeclinedPerson(text: string): string {
  const clauses = text.split(/(?<=[,;.!?])\s*|\s+(?=\bbut\b)/i);
  const kept = clauses.filter((clause) => !NEGATED_PERSON.test(normalizedRequest(clause)));
  if (kept.length === clauses.length) return text;
  return kept
    .join(' ')
    .replace(/^\s*but\b\s*/i, '')
    .replace(/^[\s,;.!?]+|[\s,;]+$/g, '')
    .trim();
}
