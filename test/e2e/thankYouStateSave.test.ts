/**
 * The thank-you's turn ends the form in the conversation's state after the channel took the thank-you: when
 * that state's write fails (the store refuses it, or does not answer), the customer was thanked all the same
 * and must not be thanked again (the turn's failure is not the thank-you's). On Table (the co-work store port
 * on its memory implementation), one instance, the simulated org; the conversation state's first write after
 * the session's claim (the one that ends the form) fails.
 */
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import type { EntityData, StoreOperation } from '../../cowork/coworkStore';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';
import { panelInstances } from '../harness/panelInstances';

const ENV = { COWORK_HANDOFF_SECRET: 'test-handoff-secret-0123456789-abcdefgh', COWORK_AGENT_KEY: 'thank-you-state-agent-key' };

/** The memory store; once armed, the next write of a conversation's partition fails (a store that went away). */
class FailingStateWrites extends MemoryCoworkStore {
  armed = false;
  failed = 0;
  private claimed = false;
  /** Armed by the claim (once): a session row of a Case's partition first written `answered`. */
  private watch(partition: string, rows: readonly { row: string; data?: EntityData }[]): void {
    if (!this.claimed && partition.startsWith('cowork/case/') && rows.some((r) => r.row.startsWith('session:') && r.data?.state === 'answered')) {
      this.claimed = true;
      this.armed = true;
    }
    // The thank-you's turn's write: the conversation's state without the form it ended.
    if (this.armed && partition.startsWith('kept/conversation/') && rows.some((r) => r.row.startsWith('state:') && r.data && !('coworkForm' in r.data))) {
      this.armed = false;
      this.failed++;
      throw new Error('the store did not answer (test)');
    }
  }
  override async transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    this.watch(
      partition,
      operations.map((op) => (op.kind === 'delete' ? { row: op.row } : { row: op.row, data: op.data })),
    );
    return super.transact(partition, operations);
  }
}

describe('the thank-you, its turn failing after the channel took it', () => {
  const store = new FailingStateWrites();
  const rig = panelInstances([ENV], { storage: new StoreBackedStorage(store) });

  it('a failed write of the conversation state after the send: thanked once', async () => {
    const kase = oneCase(rig.simulator.org);
    const chat = rig.channel.conversation(rig.running[0]!.url, { id: 'thank-you-state-1' });
    const { formToken } = await startForm(chat, kase.caseNumber);
    expect((await chat.submitForm(formToken, 'Education')).status).toBe(200);
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => rig.simulator.org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    expect(store.failed).toBe(1);
    // The Case is written once the thank-you is recorded: a second attempt at it would have been sent by now.
    expect(chat.texts.filter((t) => t.includes(thanks('🎓 Education')))).toHaveLength(1);
  });
});
