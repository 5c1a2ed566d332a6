/**
 * Seed data: a few open Cases, each with a Contact and the chat it is worked in — a
 * MessagingSession (Enhanced Chat), and for one Case a LiveChatTranscript (legacy Chat)
 * instead. Ids and CaseNumbers are deterministic (the first Case is `00001026`), so docs
 * and manual tests can name them.
 */
import type { SimulatedOrg } from './org';

export interface SeedCase {
  id: string;
  caseNumber: string;
  subject: string;
  contactId: string;
  /** null where the org lacks the chat object (Messaging off: no MessagingSession). */
  chatSession: { objectType: 'MessagingSession' | 'LiveChatTranscript'; id: string } | null;
}

const SEED = [
  { first: 'Ada', last: 'Lovelace', email: 'ada.lovelace@example.com', subject: 'Personal loan application: use of funds needed', chat: 'MessagingSession' },
  { first: 'Grace', last: 'Hopper', email: 'grace.hopper@example.com', subject: 'Car loan top-up', chat: 'MessagingSession' },
  { first: 'Alan', last: 'Turing', email: 'alan.turing@example.com', subject: 'Home improvement credit line', chat: 'LiveChatTranscript' },
  { first: 'Katherine', last: 'Johnson', email: 'katherine.johnson@example.com', subject: 'Student loan refinancing', chat: 'MessagingSession' },
] as const;

export function seedOrg(org: SimulatedOrg): SeedCase[] {
  return SEED.map((s) => {
    const contact = org.createRecord('Contact', { FirstName: s.first, LastName: s.last, Email: s.email });
    const kase = org.createRecord('Case', { Subject: s.subject, Status: 'New', Origin: 'Chat', ContactId: contact.Id });
    const chat = !org.model.find(s.chat)
      ? undefined
      : s.chat === 'MessagingSession'
        ? org.createRecord('MessagingSession', { CaseId: kase.Id, Status: 'Active', Origin: 'InboundInitiated' })
        : org.createRecord('LiveChatTranscript', { CaseId: kase.Id, ContactId: contact.Id, Status: 'InProgress', ChatKey: `seed-${kase.CaseNumber}` });
    return {
      id: kase.Id,
      caseNumber: String(kase.CaseNumber),
      subject: s.subject,
      contactId: contact.Id,
      chatSession: chat ? { objectType: s.chat, id: chat.Id } : null,
    };
  });
}
