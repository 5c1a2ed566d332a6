/**
 * Where the bot keeps what must outlive a process: STORAGE (memory, blob or table) and the settings
 * each store needs, checked once at start-up.
 */
import { ConfigError, type Env } from '../../util/configError';
import { oneOf, text, textOrDefault } from './envValues';

export type StorageConfig =
  { kind: 'memory' } | { kind: 'blob'; connectionString: string; container: string } | { kind: 'table'; connectionString: string; table: string };

export function storageConfig(env: Env): StorageConfig {
  const kind = oneOf(env, 'STORAGE');
  const connectionString = text(env, 'AZURE_STORAGE_CONNECTION_STRING');
  const tablesConnectionString = text(env, 'AZURE_TABLES_CONNECTION_STRING');
  if (kind === 'memory') {
    if (connectionString)
      throw new ConfigError('STORAGE', 'is memory (the default) but AZURE_STORAGE_CONNECTION_STRING is set; set STORAGE=blob to use it', 'blob');
    if (tablesConnectionString)
      throw new ConfigError('STORAGE', 'is memory (the default) but AZURE_TABLES_CONNECTION_STRING is set; set STORAGE=table to use it', 'table');
    return { kind };
  }
  if (kind === 'table') return tableStorageConfig(env, tablesConnectionString);
  if (!connectionString) {
    throw new ConfigError(
      'AZURE_STORAGE_CONNECTION_STRING',
      'is required when STORAGE=blob',
      'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    );
  }
  if (!/(AccountName=|BlobEndpoint=|UseDevelopmentStorage=true)/i.test(connectionString)) {
    throw new ConfigError(
      'AZURE_STORAGE_CONNECTION_STRING',
      'does not look like an Azure Storage connection string (no AccountName or BlobEndpoint)',
      'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    );
  }
  const container = textOrDefault(env, 'AZURE_STORAGE_CONTAINER');
  // Azure container names: 3-63 chars, lowercase letters, digits and single dashes, starting with a letter or digit.
  if (!/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(container)) {
    throw new ConfigError(
      'AZURE_STORAGE_CONTAINER',
      `"${container}" is not a valid container name (3-63 lowercase letters, digits, single dashes)`,
      'cowork-bot',
    );
  }
  return { kind, connectionString, container };
}

const TABLES_EXAMPLE = 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net';

function tableStorageConfig(env: Env, connectionString: string | undefined): StorageConfig {
  if (!connectionString) throw new ConfigError('AZURE_TABLES_CONNECTION_STRING', 'is required when STORAGE=table', TABLES_EXAMPLE);
  if (!/(AccountName=|TableEndpoint=|UseDevelopmentStorage=true)/i.test(connectionString)) {
    throw new ConfigError(
      'AZURE_TABLES_CONNECTION_STRING',
      'does not look like an Azure Table storage connection string (no AccountName or TableEndpoint)',
      TABLES_EXAMPLE,
    );
  }
  const table = textOrDefault(env, 'AZURE_TABLES_TABLE');
  // Azure table names: 3-63 letters and digits, starting with a letter.
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(table)) {
    throw new ConfigError('AZURE_TABLES_TABLE', `"${table}" is not a valid table name (3-63 letters and digits, starting with a letter)`, 'coworkbot');
  }
  return { kind: 'table', connectionString, table };
}
