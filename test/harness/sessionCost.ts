/**
 * Counting what one co-work session costs (storage operations, Table requests) under the bot's
 * real path: the bot started as a running deployment has it, and one whole session on a new Case
 * that ends with the bot's last write for it. The economy tests of each storage share these.
 */
import type { KeyValueStorage } from '../../util/storage';
import { sim, startBotUnderTest, type BotUnderTest } from './botUnderTest';
import { startForm, waitUntil } from './coworkSteps';

const THANKS = 'Thank you for completing the questionnaire';

/**
 * The bot on `storage` as a running deployment has it: the 16 in-flight shard documents exist (`shardDocuments`;
 * none on Table, where the index is one row per session; the timed sweep,
 * 16 shard reads a tick, is left out here and counted apart by the bench), and each of the three
 * streams (the answer, the agents' requests, the panel's messages) has stored its first position at its
 * first keepalive (`storedPositions` counts them), so none lands in a count.
 */
export async function startCountedBot(
  storage: KeyValueStorage,
  storedPositions: () => number,
  { shardDocuments = true }: { shardDocuments?: boolean } = {},
): Promise<BotUnderTest> {
  if (shardDocuments) for (let shard = 0; shard < 16; shard++) await storage.write({ [`cowork/inflight/${shard}`]: { keys: [], eTag: '*' } });
  const t = await startBotUnderTest({ storage, deadlineIntervalMs: 3_600_000 });
  await waitUntil(() => storedPositions() === 3, 'the first position of each of the three streams', 30_000);
  return t;
}

/**
 * One whole session on a new Case: /cowork, the form, the submit, the thank-you, the Case written,
 * the bot's last write for it: the answer stream's position, stored once the event's effects
 * are (`answerPosition` changes; another stream's keepalive is no sign), and its last word in the chat:
 * the form card updated to say the answer is saved on the Case (a turn the effects do not wait for).
 */
export async function wholeSession(t: BotUnderTest, kase: { caseId: string; caseNumber: string }, answerPosition: () => unknown): Promise<void> {
  const chat = t.conversation();
  const position = answerPosition();
  const { formToken } = await startForm(chat, kase.caseNumber);
  await chat.submitForm(formToken, 'Renovation Work');
  await chat.waitForText(THANKS);
  await waitUntil(() => sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update');
  await waitUntil(() => answerPosition() !== position, 'the replay position stored after the event');
  await waitUntil(() => chat.updates.some((u) => JSON.stringify(u.attachments ?? []).includes(`Saved on Case ${kase.caseNumber}`)), 'the form card saved');
}
