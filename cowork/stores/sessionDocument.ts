/**
 * A session as stored (`cowork/session/{sessionKey}`), read back with its shape checked: a document
 * that is not a `CoworkSession` is a `StoredDocumentError` naming the key and the field, never a
 * session typed as one. Fields a newer version may add are kept as they are (a read-modify-write
 * of an older instance does not drop them).
 */
import { DocumentFields } from '../../util/storedDocument';
import { SESSION_STATES, type CoworkSession, type Owner } from '../domain/session';

const CHAT_SESSION_TYPES = ['MessagingSession', 'LiveChatTranscript'] as const;

export function decodeSession(storageKey: string, stored: object): CoworkSession {
  const f = new DocumentFields(storageKey, stored);
  const session: CoworkSession = {
    ...stored,
    key: f.string('key'),
    caseId: f.string('caseId'),
    caseNumber: f.string('caseNumber'),
    chatSession: f.nullableObject('chatSession', (chat) => ({ objectType: chat.oneOf('objectType', CHAT_SESSION_TYPES), id: chat.string('id') })),
    formId: f.string('formId'),
    formToken: f.string('formToken'),
    conversationId: f.string('conversationId'),
    conversationReference: f.json('conversationReference'),
    userId: f.string('userId'),
    state: f.oneOf('state', SESSION_STATES),
    choices: f.entries('choices', (list, at) =>
      f.listAt(at, list, (choice, itemAt) => {
        const c = f.inner(itemAt, choice);
        return { value: c.string('value'), label: c.string('label') };
      }),
    ),
    submitted: f.nullableStrings('submitted'),
    answers: f.nullableStrings('answers'),
    publishAttempts: f.number('publishAttempts'),
    lastPublishedAt: f.nullableString('lastPublishedAt'),
    answeredByEventId: f.nullableString('answeredByEventId'),
    effectsOwner: f.nullableString('effectsOwner'),
    effectsLeaseUntil: f.nullableString('effectsLeaseUntil'),
    thankedAt: f.nullableString('thankedAt'),
    caseUpdatedAt: f.nullableString('caseUpdatedAt'),
    failure: f.nullableString('failure'),
    owner: f.object('owner', owner),
    createdAt: f.string('createdAt'),
    updatedAt: f.string('updatedAt'),
    submittedAt: f.nullableString('submittedAt'),
    expiresAt: f.string('expiresAt'),
  };
  const thankYouAttempts = f.optionalNumber('thankYouAttempts');
  const thankYouFirstFailedAt = f.optionalNullableString('thankYouFirstFailedAt');
  const thankYouUndelivered = f.optionalNullableString('thankYouUndelivered');
  const supersededBy = f.optionalNullableString('supersededBy');
  const answerGivenAt = f.optionalNullableNumber('answerGivenAt');
  return {
    ...session,
    ...(thankYouAttempts === undefined ? {} : { thankYouAttempts }),
    ...(thankYouFirstFailedAt === undefined ? {} : { thankYouFirstFailedAt }),
    ...(thankYouUndelivered === undefined ? {} : { thankYouUndelivered }),
    ...(supersededBy === undefined ? {} : { supersededBy }),
    ...(answerGivenAt === undefined ? {} : { answerGivenAt }),
  };
}

function owner(fields: DocumentFields): Owner {
  if (fields.oneOf('kind', ['bot', 'human'] as const) === 'bot') return { kind: 'bot' };
  const agentId = fields.optionalString('agentId');
  return { kind: 'human', since: fields.string('since'), ...(agentId === undefined ? {} : { agentId }) };
}
