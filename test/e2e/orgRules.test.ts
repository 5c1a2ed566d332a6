/**
 * What a real org imposes, end to end. The daily API allocation shows on /healthz. Record-level
 * failures a real org produces on the Case write (channel over HTTP, the
 * real CloudAdapter, the simulator, jsforce): row-lock contention is retried until the write goes
 * through; a validation rule or a locked record is reported to the log and the customer is told
 * plainly, never left without a reply and never told it worked; the agent's panel gets a failed
 * status naming the error.
 */
import { sim, suiteBot } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const THANKS = 'Thank you for completing the questionnaire';
const NOT_UPDATED = 'could not be updated';

describe('the org as a real one behaves', () => {
  const log = new RecordingLog();
  const t = suiteBot({ log });

  it("shows the org's daily API usage on /healthz, as the org reports it", async () => {
    const c = oneCase(sim(t).org);
    await startForm(t.conversation(), c.caseNumber); // some REST traffic
    const { Max, Remaining } = sim(t).org.apiLimit.snapshot();
    const health = (await (await fetch(`${t.bot.url}/healthz`)).json()) as { salesforce: { detail: { apiUsage?: { used: number; limit: number } } } };
    expect(health.salesforce.detail.apiUsage?.limit).toBe(Max);
    expect(health.salesforce.detail.apiUsage?.used).toBeGreaterThan(0);
    expect(health.salesforce.detail.apiUsage?.used).toBeLessThanOrEqual(Max - Remaining);
  });

  it('UNABLE_TO_LOCK_ROW is retried and the answer lands on the Case', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    sim(t).org.failRecord('Case', c.caseId, { errorCode: 'UNABLE_TO_LOCK_ROW', times: 2 });
    await chat.submitForm(form.formToken, 'Education');
    await chat.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update after the lock clears', 20_000);
    expect(chat.texts.some((text) => text.includes(NOT_UPDATED))).toBe(false);
  });

  it.each([
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Use of funds cannot change once the loan is approved'],
    ['ENTITY_IS_LOCKED', 'the entity is locked for editing'],
  ] as const)('%s is reported to the log and the agent side, and the customer is told plainly', async (errorCode, reason) => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    sim(t).org.failRecord('Case', c.caseId, { errorCode, ...(errorCode === 'FIELD_CUSTOM_VALIDATION_EXCEPTION' ? { message: reason } : {}) });
    await chat.submitForm(form.formToken, 'Other');
    await chat.waitForText(NOT_UPDATED);
    const entry = log.find((e) => e.level === 'error' && e.fields.caseId === c.caseId);
    expect(entry).toMatchObject({ msg: 'Case update refused', fields: { errorCode, error: expect.stringContaining(reason) } });
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBeNull();
    // The agent side: Cowork_Status__e 'failed' for this Case, with the error in its detail.
    const failedStatus = (): Record<string, unknown> | undefined =>
      sim(t)
        .org.publishedEvents('Cowork_Status__e')
        .find((e) => e.payload.Correlation_Id__c === c.caseId && e.payload.State__c === 'failed')?.payload;
    await waitUntil(() => failedStatus() !== undefined, 'the failed status for the agent');
    expect(String(failedStatus()?.Detail__c)).toContain(errorCode);
  });
});
