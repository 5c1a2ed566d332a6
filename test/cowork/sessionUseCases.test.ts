/**
 * The session use cases in memory (cowork/flow/sessionUseCases.ts), the paths Stryker found no fast test for:
 * the start limits and what the customer is told, a form from before a restart, a closed Case, an agent's
 * answer, an abandoned form, the conversation's owner, older forms replaced in other conversations.
 */
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import type { CaseRecord, ChatSessionRecord } from '../../cowork/ports';
import { CASE_ID, started, memoryCore } from './inMemoryCore';

const core = memoryCore;

const submit = (a: ReturnType<typeof core>['a'], key: string, formToken: unknown, conversationId: string, answer = 'Education') =>
  a.submit({ sessionKey: key, formToken, conversationId, raw: { useOfFunds: answer } });

describe('starting a form', () => {
  it('refuses the sixth form of a conversation within a minute, says when to try again, and tells the operator', async () => {
    const { a, clock, log } = core({ startLimits: { perConversation: 2, perCase: 10 } });
    await started(a, 'conv');
    clock.now += 100;
    await started(a, 'conv');
    clock.now += 400;
    const outcome = await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'conv', conversationReference: {}, userId: 'u' });
    expect(outcome).toEqual({ kind: 'rate_limited', scope: 'conversation', retryAfterSeconds: 60 });
    expect(log.find('warn', 'form start refused: too many in the last minute')).toEqual([{ scope: 'conversation', key: 'conv', retryAfterMs: 59_500 }]);
    clock.now += 59_000; // 0.5 s before the first start leaves the window: at least one second, rounded up
    const soon = await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'conv', conversationReference: {}, userId: 'u' });
    expect(soon).toEqual({ kind: 'rate_limited', scope: 'conversation', retryAfterSeconds: 1 });
  });

  it('refuses a closed Case by its number, and a Case that does not exist, without starting anything', async () => {
    const { a, cases, status } = core();
    const closed: CaseRecord = { id: CASE_ID, caseNumber: '00001026', subject: 's', status: 'Closed', isClosed: true, contactId: null, fields: {} };
    Object.assign(cases, { findCase: async () => closed });
    expect(await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'c', conversationReference: {}, userId: 'u' })).toEqual({
      kind: 'case_closed',
      caseNumber: '00001026',
    });
    Object.assign(cases, { findCase: async () => undefined });
    expect(await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'c', conversationReference: {}, userId: 'u' })).toEqual({
      kind: 'case_not_found',
    });
    expect(status.statuses).toEqual([]);
    expect(await a.pendingForCase(CASE_ID)).toEqual([]);
  });

  it("uses the chat the Case store read with the Case, asks for it only when it did not, and schedules the form's expiry", async () => {
    const { a, cases, clock, log, deadlines, status } = core();
    const chat: ChatSessionRecord = { id: '570Sm0000000001IAA', objectType: 'LiveChatTranscript' };
    let lookups = 0;
    cases.findChatSession = async () => {
      lookups++;
      return undefined;
    };
    const base = cases.findCase.bind(cases);
    cases.findCase = async () => ({ ...(await base()), chatSession: chat });
    const withChat = await started(a, 'c1');
    expect(lookups).toBe(0);
    expect(withChat.chatSession).toEqual(chat);
    cases.findCase = base;
    const without = await started(a, 'c2');
    expect(lookups).toBe(1);
    expect(without.chatSession).toBeNull();
    expect(log.find('info', 'co-work session started')).toEqual([
      { sessionKey: withChat.key, caseId: CASE_ID, chat: 'LiveChatTranscript' },
      { sessionKey: without.key, caseId: CASE_ID, chat: 'none' },
    ]);
    expect(status.statuses.filter((s) => s.state === 'form_sent').map((s) => s.detail)).toEqual([
      "The form was sent to the customer's chat.",
      "The form was sent to the customer's chat.",
    ]);
    // The expiry is due at the session's end, not before.
    expect(await deadlines.takeDue(clock.now + 3_600_000 - 1)).toEqual([]);
    expect((await deadlines.takeDue(clock.now + 3_600_000)).map((d) => d.sessionKey).sort()).toEqual([withChat.key, without.key].sort());
  });

  it("replaces the Case's older form in another conversation: expired, its customer told once, the agent told", async () => {
    const { a, effects, status } = core();
    const older = await started(a, 'conv-old');
    const newer = await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'conv-new', conversationReference: {}, userId: 'u' });
    if (newer.kind !== 'started') throw new Error(newer.kind);
    expect(newer.replacedHere).toBe(0);
    expect(await a.get(older.key)).toMatchObject({ state: 'expired', supersededBy: newer.session.key });
    await new Promise((resolve) => setImmediate(resolve));
    expect(effects.supersededKeys).toEqual([older.key]);
    expect(status.statuses.filter((s) => s.state === 'superseded')).toEqual([
      {
        caseId: CASE_ID,
        sessionKey: older.key,
        state: 'superseded',
        answer: null,
        detail: 'A newer form for this Case replaced this one; nothing was changed.',
      },
    ]);
    // Its card is refused as replaced.
    expect(await submit(a, older.key, older.formToken, 'conv-old')).toEqual({ kind: 'stale_form', superseded: true });
    // A form in the same conversation is counted, and its customer is told by the reply, not by a separate message.
    const third = await a.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId: 'conv-new', conversationReference: {}, userId: 'u' });
    expect(third.kind === 'started' && third.replacedHere).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(effects.supersededKeys).toEqual([older.key]);
  });

  it('does not replace a submitted form, nor one of another form spec', async () => {
    const { a } = core();
    const answered = await started(a, 'conv-a');
    await submit(a, answered.key, answered.formToken, 'conv-a');
    await started(a, 'conv-b');
    expect((await a.get(answered.key))?.state).toBe('submitted');
  });

  it("leaves a waiting form of another spec alone: only the same form's older copy is replaced", async () => {
    const other = { ...USE_OF_FUNDS_FORM, id: 'use-of-funds-follow-up' };
    const { a, effects } = core({ forms: [USE_OF_FUNDS_FORM, other] });
    const followUp = await a.start({ caseRef: CASE_ID, form: other, conversationId: 'conv-a', conversationReference: {}, userId: 'u' });
    if (followUp.kind !== 'started') throw new Error(followUp.kind);
    const older = await started(a, 'conv-b');
    await started(a, 'conv-c');
    expect((await a.get(followUp.session.key))?.state).toBe('form_sent');
    expect((await a.get(older.key))?.state).toBe('expired');
    await new Promise((resolve) => setImmediate(resolve));
    expect(effects.supersededKeys).toEqual([older.key]);
  });

  it("tells the operator which form replaced which, and logs a failure to tell the replaced form's customer (the start goes on)", async () => {
    const { a, effects, log } = core();
    Object.assign(effects, {
      superseded: async () => {
        throw new Error('the chat is gone');
      },
    });
    const older = await started(a, 'conv-old');
    const newer = await started(a, 'conv-new');
    expect(log.find('info', 'co-work session superseded by a newer form')).toEqual([{ sessionKey: older.key, supersededBy: newer.key, caseId: CASE_ID }]);
    for (let i = 0; i < 10 && log.find('error', 'telling a customer their form was replaced failed').length === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(log.find('error', 'telling a customer their form was replaced failed')).toEqual([
      { err: expect.objectContaining({ message: 'the chat is gone' }), sessionKey: older.key },
    ]);
    expect((await a.get(newer.key))?.state).toBe('form_sent');
  });
});

describe('a form from before a restart (its session lost)', () => {
  it('is recognised by its token within the session lifetime, for its own conversation only', async () => {
    const { a, storage, clock } = core();
    const session = await started(a, 'conv');
    expect(await a.lostForm(session.formToken, 'conv')).toBeUndefined(); // the session still exists
    await storage.delete([`cowork/session/${session.key}`]);
    expect(await a.lostForm(session.formToken, 'conv')).toEqual({ caseId: CASE_ID, formId: USE_OF_FUNDS_FORM.id });
    expect(await a.lostForm(session.formToken, 'other')).toBeUndefined();
    clock.now += 3_600_000;
    expect(await a.lostForm(session.formToken, 'conv')).toEqual({ caseId: CASE_ID, formId: USE_OF_FUNDS_FORM.id });
    clock.now += 1;
    expect(await a.lostForm(session.formToken, 'conv')).toBeUndefined();
  });
});

describe('a submit', () => {
  it("with a token that is not the form's (another, shorter, longer, not text) is a stale form, and nothing is stored", async () => {
    const { a } = core();
    const session = await started(a, 'conv');
    for (const token of [
      session.formToken.slice(0, -1),
      `${session.formToken}x`,
      `${session.formToken.slice(0, -1)}${session.formToken.endsWith('A') ? 'B' : 'A'}`,
      42,
      undefined,
    ])
      expect(await submit(a, session.key, token, 'conv')).toEqual({ kind: 'stale_form' });
    expect(await submit(a, session.key, session.formToken, 'elsewhere')).toEqual({ kind: 'stale_form' });
    expect((await a.get(session.key))?.state).toBe('form_sent');
  });

  it('of a form past its end, whose reminder was lost, expires it then and is refused; a second submit is "already received"', async () => {
    const { a, clock, effects, status } = core();
    const late = await started(a, 'late');
    clock.now += 3_600_001;
    expect(await submit(a, late.key, late.formToken, 'late')).toEqual({ kind: 'stale_form' });
    expect((await a.get(late.key))?.state).toBe('expired');
    expect(effects.expiredKeys).toEqual([]); // this turn's reply says it: no separate message
    expect(status.statuses.map((s) => s.state)).toEqual(['form_sent', 'expired']);
    const session = await started(a, 'conv');
    const first = await submit(a, session.key, session.formToken, 'conv');
    expect(first.kind).toBe('accepted');
    expect(status.statuses.filter((s) => s.state === 'submitted').map((s) => s.detail)).toEqual(['The customer submitted the form.']);
    expect(await submit(a, session.key, session.formToken, 'conv')).toMatchObject({ kind: 'already_received' });
  });
});

describe("an agent's answer", () => {
  it('is published with the Case Id only, for a waiting session; refused for none, a finished one, or a bad value', async () => {
    const { a, bus, log } = core();
    expect(await a.publishAgentAnswer({ sessionKey: 'nope', raw: { useOfFunds: 'Education' } })).toEqual({ kind: 'no_session' });
    const session = await started(a, 'conv');
    expect(await a.publishAgentAnswer({ sessionKey: session.key, raw: { useOfFunds: 'Nothing' } })).toMatchObject({ kind: 'invalid' });
    expect(bus.published).toEqual([]);
    const outcome = await a.publishAgentAnswer({ sessionKey: session.key, raw: { useOfFunds: 'Education' } });
    expect(outcome).toMatchObject({ kind: 'published', eventUuid: 'uuid-1' });
    expect(bus.published).toEqual([{ Use_of_Fund_Reason__c: 'Education', Correlation_Id__c: CASE_ID }]);
    expect(log.find('info', "agent's answer published for the Case")).toEqual([{ sessionKey: session.key, caseId: CASE_ID, eventUuid: 'uuid-1' }]);
    bus.down = true;
    expect(await a.publishAgentAnswer({ sessionKey: session.key, raw: { useOfFunds: 'Education' } })).toEqual({
      kind: 'publish_failed',
      message: 'Pub/Sub and REST are down',
    });
    expect(log.find('error', "publishing the agent's answer failed")).toEqual([{ err: new Error('Pub/Sub and REST are down'), sessionKey: session.key }]);
    await a.abandon(session.key, 'gone');
    expect(await a.publishAgentAnswer({ sessionKey: session.key, raw: { useOfFunds: 'Education' } })).toMatchObject({ kind: 'not_pending' });
  });
});

describe('an abandoned form (it never reached the customer)', () => {
  it('fails at once and the agent is told why; a form already answered is left alone', async () => {
    const { a, log, status } = core();
    const session = await started(a, 'conv');
    await a.abandon(session.key, 'The chat could not be reached.');
    expect(await a.get(session.key)).toMatchObject({ state: 'failed', failure: 'The chat could not be reached.' });
    expect(log.find('warn', 'co-work session abandoned')).toEqual([{ sessionKey: session.key, caseId: CASE_ID, reason: 'The chat could not be reached.' }]);
    expect(status.statuses.at(-1)).toEqual({
      caseId: CASE_ID,
      sessionKey: session.key,
      state: 'failed',
      answer: null,
      detail: 'The chat could not be reached.',
    });
    const answered = await started(a, 'conv-2');
    await submit(a, answered.key, answered.formToken, 'conv-2');
    const before = status.statuses.length;
    await a.abandon(answered.key, 'late');
    expect((await a.get(answered.key))?.state).toBe('submitted');
    expect(status.statuses).toHaveLength(before);
  });
});

describe("the conversation's owner", () => {
  it('a person taking the chat is recorded, and the agent told once; the same person again, or the bot again, changes nothing', async () => {
    const { a, status } = core();
    const session = await started(a, 'conv');
    const requested = () => status.statuses.filter((s) => s.state === 'person_requested');
    await a.setOwner(session.key, { kind: 'bot' });
    expect((await a.get(session.key))?.updatedAt).toBe(session.updatedAt);
    await a.setOwner(session.key, { kind: 'human', since: 't1', agentId: 'agent-1' });
    expect((await a.get(session.key))?.owner).toEqual({ kind: 'human', since: 't1', agentId: 'agent-1' });
    expect(requested()).toEqual([
      {
        caseId: CASE_ID,
        sessionKey: session.key,
        state: 'person_requested',
        answer: null,
        detail: 'The customer asked for a person. You can answer the form for them from the panel.',
      },
    ]);
    await a.setOwner(session.key, { kind: 'human', since: 't2', agentId: 'agent-1' });
    expect((await a.get(session.key))?.owner).toEqual({ kind: 'human', since: 't1', agentId: 'agent-1' });
    await a.setOwner(session.key, { kind: 'human', since: 't3', agentId: 'agent-2' }, { reportRequest: false });
    expect((await a.get(session.key))?.owner).toEqual({ kind: 'human', since: 't3', agentId: 'agent-2' });
    expect(requested()).toHaveLength(1);
    await a.setOwner(session.key, { kind: 'bot' });
    expect((await a.get(session.key))?.owner).toEqual({ kind: 'bot' });
    await a.abandon(session.key, 'gone');
    await a.setOwner(session.key, { kind: 'human', since: 't4', agentId: 'agent-3' });
    expect(requested()).toHaveLength(1); // a finished form asks nothing of the agent
  });
});
