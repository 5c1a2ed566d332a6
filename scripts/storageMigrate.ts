/**
 * `npm run storage:migrate -- --from blob --to table [--overwrite] [--dry-run]`
 *
 * Copies everything the bot keeps from one store to the other (storage/migrate.ts), with the
 * settings the bot itself reads (environment or `.env`): blob = AZURE_STORAGE_CONNECTION_STRING and
 * AZURE_STORAGE_CONTAINER, table = AZURE_TABLES_CONNECTION_STRING and AZURE_TABLES_TABLE. Stop every
 * instance first; start them again with the new STORAGE once it reports the copy.
 */
import 'dotenv/config';
import { ContainerClient } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { storageConfig, type StorageConfig } from '../bot/config/config';
import { migrate, type MigrationEnd } from '../storage/migrate';
import { StoreBackedStorage } from '../storage/storeBackedStorage';
import { TableCoworkStore } from '../storage/tableStore';
import { ConfigError } from '../util/configError';

const USAGE = 'Usage: npm run storage:migrate -- --from blob|table --to table|blob [--overwrite] [--dry-run]';

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(code);
}

function parse(argv: readonly string[]): { from: 'blob' | 'table'; to: 'blob' | 'table'; overwrite: boolean; dryRun: boolean } {
  const args = [...argv];
  const flags = { from: '', to: '', overwrite: false, dryRun: false };
  while (args.length > 0) {
    const arg = args.shift();
    if (arg === '--from' || arg === '--to') flags[arg.slice(2) as 'from' | 'to'] = args.shift() ?? '';
    else if (arg === '--overwrite') flags.overwrite = true;
    else if (arg === '--dry-run') flags.dryRun = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `${USAGE}\nCopies sessions, Case documents, the in-flight index, replay positions, conversation state and handoff\n` +
          'records between STORAGE=blob and STORAGE=table, with the variables the bot reads. Stop every instance first.\n',
      );
      process.exit(0);
    } else fail(`unknown argument "${arg ?? ''}"`);
  }
  for (const side of ['from', 'to'] as const)
    if (flags[side] !== 'blob' && flags[side] !== 'table') fail(`--${side} must be blob or table, got "${flags[side]}"`);
  if (flags.from === flags.to) fail(`--from and --to are both ${flags.from}`);
  return flags as { from: 'blob' | 'table'; to: 'blob' | 'table'; overwrite: boolean; dryRun: boolean };
}

async function end(kind: 'blob' | 'table'): Promise<MigrationEnd> {
  let config: StorageConfig;
  try {
    config = storageConfig({ ...process.env, STORAGE: kind });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 78);
    throw error;
  }
  if (config.kind === 'table') {
    const store = await TableCoworkStore.open(config.connectionString, config.table);
    const storage = new StoreBackedStorage(store);
    return { storage, keys: () => storage.keys(() => store.partitionKeys()), describe: `table ${config.table}` };
  }
  if (config.kind !== 'blob') throw new Error('unreachable');
  const container = new ContainerClient(config.connectionString, config.container);
  await container.createIfNotExists();
  return {
    storage: new BlobsStorage(config.connectionString, config.container),
    // botbuilder-azure-blobs names a blob by the URI-encoded key.
    keys: async () => {
      const keys: string[] = [];
      for await (const blob of container.listBlobsFlat()) keys.push(decodeURIComponent(blob.name));
      return keys;
    },
    describe: `blob container ${config.container}`,
  };
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const [from, to] = [await end(options.from), await end(options.to)];
  process.stderr.write(`storage:migrate: ${from.describe} → ${to.describe}${options.dryRun ? ' (dry run: nothing written)' : ''}\n`);
  const report = await migrate(from, to, {
    overwrite: options.overwrite,
    dryRun: options.dryRun,
    progress: (done, total) => {
      if (done === total || done % 1000 === 0) process.stderr.write(`  ${done}/${total}\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.stderr.write(`storage:migrate: ${report.copied} keys ${options.dryRun ? 'would be ' : ''}copied; start the instances with STORAGE=${options.to}.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`storage:migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
