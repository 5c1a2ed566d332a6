/**
 * STORAGE=table that does not answer stops the start at once, naming STORAGE, the connection variable
 * and how to start Azurite; one that answers gets its table created.
 */
import { createStorage, ensureStorageAnswers } from '../../bot/storage';
import { TableCoworkStore } from '../../storage/tableStore';
import { freePort, startAzurite } from '../harness/processes';

jest.setTimeout(60_000);

const connectionString = (port: number): string =>
  `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;

it('names STORAGE=table, AZURE_TABLES_CONNECTION_STRING and npm run azurite when nothing listens', async () => {
  const store = createStorage({ kind: 'table', connectionString: connectionString(await freePort()), table: 'coworkbot' });
  await expect(ensureStorageAnswers(store, 2_000)).rejects.toThrow(
    /storage does not answer: STORAGE=table and AZURE_TABLES_CONNECTION_STRING \(devstoreaccount1\) .*npm run azurite/,
  );
});

it('creates the table on Azurite and then answers', async () => {
  const azurite = await startAzurite('table');
  try {
    const store = createStorage({ kind: 'table', connectionString: azurite.connectionString, table: 'startcheck' });
    await ensureStorageAnswers(store);
    await store.storage.write({ 'cowork/x': { v: 1 } });
    expect(await TableCoworkStore.connect(azurite.connectionString, 'startcheck').get('cowork/x', 'kv')).toMatchObject({ data: { v: 1 } });
  } finally {
    await azurite.stop();
  }
});
