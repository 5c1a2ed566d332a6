/**
 * `npm run storage:migrate -- --from blob --to table`, as an operator runs it: a bot on Azure Blob
 * Storage (Azurite) leaves sessions in every state a stop can leave them in (done, waiting for the
 * customer, expired by a newer form, submitted with the answer's event still in Salesforce), the
 * Cases' documents, the in-flight index, the replay positions and conversation state; it is stopped,
 * the command copies everything to Azure Table storage (Azurite's table service), and a bot started
 * with STORAGE=table carries on: the submitted answer is replayed and written, the waiting forms are
 * answered, nothing is done twice.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { TableCoworkStore } from '../../storage/tableStore';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { durableStorage, tableName } from '../harness/durableStorage';
import type { BotProcess } from '../harness/processes';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
const ACK = 'your answer has been sent';
const CONTAINER = `migrate-${process.pid}`;
const TABLE = tableName(CONTAINER);

const rig = durableStorage();

const storageEnv = (): Record<string, string> => ({
  AZURE_STORAGE_CONNECTION_STRING: rig.blob.connectionString,
  AZURE_STORAGE_CONTAINER: CONTAINER,
  AZURE_TABLES_CONNECTION_STRING: rig.table.connectionString,
  AZURE_TABLES_TABLE: TABLE,
});

function startBot(storage: 'blob' | 'table'): Promise<BotProcess> {
  return rig.startBot(rig.botEnv(storage, CONTAINER));
}

async function stopBot(bot: BotProcess): Promise<void> {
  await rig.stopBot(bot, 'SIGTERM');
}

/** The command as the README gives it, through npm, with the bot's variables. */
function migrateCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'storage:migrate', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DOTENV_CONFIG_PATH: '/nonexistent', ...storageEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function chatOn(bot: BotProcess, id: string): EmulatorConversation {
  return rig.channel.conversation(bot.url, { id }, `conv-${id}`);
}

function caseValue(caseId: string): unknown {
  return rig.sim.org.getRecord('Case', caseId)?.Use_of_Funds__c ?? null;
}

const thanks = (chat: EmulatorConversation): string[] => chat.texts.filter((t) => t.startsWith(thanksPrefix()));

it('moves a Blob store holding sessions in every state to Table storage, and the bot on it carries on', async () => {
  const [cDone, cWaiting, cSuperseded, cSubmitted] = rig.sim.org.createCases(4);
  if (!cDone || !cWaiting || !cSuperseded || !cSubmitted) throw new Error('no Cases');
  const first = await startBot('blob');
  const say = (chat: EmulatorConversation) => async (text: string) => {
    await chat.say(text);
  };
  // done: a whole session (its replay position stored too).
  const done = chatOn(first, 'done');
  const doneForm = await startForm(done, cDone.caseNumber, say(done), 20_000);
  await done.submitForm(doneForm.formToken, 'Other');
  await done.waitForText(thanksPrefix(), 20_000);
  await waitUntil(() => caseValue(cDone.caseId) === 'Other', 'the first Case update', 20_000);
  // form_sent: waiting for the customer.
  const waiting = chatOn(first, 'waiting');
  const waitingForm = await startForm(waiting, cWaiting.caseNumber, say(waiting), 20_000);
  // expired: a newer form of the same Case in another chat replaced it (that one waits too).
  const older = chatOn(first, 'older');
  await startForm(older, cSuperseded.caseNumber, say(older), 20_000);
  const newer = chatOn(first, 'newer');
  const newerForm = await startForm(newer, cSuperseded.caseNumber, say(newer), 20_000);
  // submitted: the answer published, its event held in Salesforce while the bot stops.
  const submitted = chatOn(first, 'submitted');
  const submittedForm = await startForm(submitted, cSubmitted.caseNumber, say(submitted), 20_000);
  rig.sim.org.stallStreams();
  await submitted.submitForm(submittedForm.formToken, 'Education');
  await submitted.waitForText(ACK, 20_000);
  await stopBot(first);

  const moved = await migrateCommand(['--from', 'blob', '--to', 'table']);
  expect({ code: moved.code, stderr: moved.stderr }).toMatchObject({ code: 0 });
  const report = JSON.parse(moved.stdout.trim().split('\n').pop() ?? '{}') as {
    copied: number;
    byKind: Record<string, number>;
    sessionsByState: Record<string, number>;
  };
  expect(report.sessionsByState).toEqual({ done: 1, form_sent: 2, expired: 1, submitted: 1 });
  for (const kind of ['cowork/case', 'cowork/inflight', 'salesforce-replay-id', '{channel}/conversations']) expect(report.byKind[kind]).toBeGreaterThan(0);

  // Every key holds the same value on both sides.
  const source = new BlobsStorage(rig.blob.connectionString, CONTAINER);
  const store = TableCoworkStore.connect(rig.table.connectionString, TABLE);
  const target = new StoreBackedStorage(store);
  const keys = await target.keys(() => store.partitionKeys());
  expect(keys).toHaveLength(report.copied);
  // Every session's key names its Case: each is a row of its Case document's partition, none has its own.
  expect((await store.partitionKeys()).filter((p) => p.startsWith('cowork/session/'))).toEqual([]);
  expect((await store.query(`cowork/case/${cSuperseded.caseId}`)).filter((e) => e.row.startsWith('session:'))).toHaveLength(2);
  const strip = (items: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { ...(v as Record<string, unknown>), eTag: undefined }]));
  expect(strip(await target.read(keys))).toEqual(strip(await source.read(keys)));

  // A second run refuses to write over what is there, naming the target and the way out.
  const again = await migrateCommand(['--from', 'blob', '--to', 'table']);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`the target (table ${TABLE}) already holds`);
  expect(again.stderr).toContain('--overwrite');

  // The bot on Table storage: the submitted answer's event is replayed from the moved position and written once.
  rig.sim.org.releaseStreams();
  const second = await startBot('table');
  await waitUntil(() => caseValue(cSubmitted.caseId) === 'Education', 'the submitted answer written after the move', 30_000);
  await submitted.waitForText(thanksPrefix(), 30_000);
  // The waiting forms are answered on the new store; the expired one is not; the done one is not done again.
  const waitingAfter = rig.channel.conversation(second.url, waiting.user, waiting.id);
  await waitingAfter.submitForm(waitingForm.formToken, 'Renovation Work');
  await waitingAfter.waitForText(thanksPrefix(), 20_000);
  await waitUntil(() => caseValue(cWaiting.caseId) === 'Renovation Work', 'the waiting form answered after the move', 20_000);
  const newerAfter = rig.channel.conversation(second.url, newer.user, newer.id);
  await newerAfter.submitForm(newerForm.formToken, 'Education');
  await newerAfter.waitForText(thanksPrefix(), 20_000);
  await waitUntil(() => caseValue(cSuperseded.caseId) === 'Education', 'the newer form answered after the move', 20_000);
  expect(thanks(done)).toHaveLength(1);
  expect(thanks(submitted)).toHaveLength(1);
  expect(thanks(older)).toHaveLength(0);
  // One Case write per answer: the done Case was not written again.
  expect(
    Object.entries(rig.sim.org.requestCounts())
      .filter(([route]) => route.startsWith('PATCH'))
      .reduce((n, [, c]) => n + c, 0),
  ).toBe(4);
  await stopBot(second);
});
