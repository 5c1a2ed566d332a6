/**
 * Every field the bot sends to Salesforce fits as the org counts (issue 29, item 4), end to end:
 * a validation rule whose message is full of emoji (two UTF-16 units each) still reaches the
 * agent's panel as a `failed` status, its detail cut to Detail__c's 255 units, never refused.
 */
import { sim, suiteBot } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const NOT_UPDATED = 'could not be updated';

describe('status fields as Salesforce counts them', () => {
  const log = new RecordingLog();
  const t = suiteBot({ log });

  it("tells the panel `failed` when the org's refusal text is full of emoji", async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    // Fewer than 255 code points in the detail, more than 255 UTF-16 units.
    const reason = `Verrouillé 🔒${'🔒'.repeat(150)}`;
    org.failRecord('Case', c.caseId, { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: reason });
    await chat.submitForm(form.formToken, 'Other');
    await chat.waitForText(NOT_UPDATED);
    const failed = () => org.publishedEvents('Cowork_Status__e').find((e) => e.payload.Correlation_Id__c === c.caseId && e.payload.State__c === 'failed');
    await waitUntil(() => failed() !== undefined, 'the failed status on the panel', 15_000);
    const detail = String(failed()?.payload.Detail__c);
    expect(detail.length).toBeLessThanOrEqual(255);
    expect(detail).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    // Cut between characters, never inside one (no lone surrogate).
    expect(detail).toBe(detail.normalize());
    expect(/[\uD800-\uDBFF]$/.test(detail)).toBe(false);
    expect(log.find((e) => /co-work status/.test(e.msg) && e.level !== 'debug')).toBeUndefined();
  });
});
