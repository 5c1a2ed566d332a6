/**
 * Moves what the bot keeps from one store to another (`npm run storage:migrate -- --from blob --to table`):
 * every key — sessions in every state, the Cases' documents, the in-flight index, the replay positions,
 * conversation state, handoff records, agents — read from the source with botbuilder's `Storage` and
 * written to the target unconditionally. Keys are the stored keys (what `SafeKeyStorage` made of them),
 * so the bot on the target finds each item where it looks for it.
 *
 * Run it with every instance stopped: a write made during the copy to the source is not copied, and
 * one made to the target first would be overwritten. It refuses a target that holds anything unless
 * `overwrite` (a second run after an interrupted one).
 */
import type { Storage } from 'botbuilder';

export interface MigrationEnd {
  /** Lists every key the store holds. */
  keys(): Promise<string[]>;
  storage: Storage;
  describe: string;
}

export interface MigrationReport {
  copied: number;
  /** Keys copied by kind (`cowork/session`, `cowork/case`, `salesforce-replay-id`, conversation state …). */
  byKind: Record<string, number>;
  /** Sessions copied by state. */
  sessionsByState: Record<string, number>;
}

/** The kind of a key, as the bench counts them: its first two segments, ids left out. */
export function kindOfKey(key: string): string {
  if (key.startsWith('salesforce-replay-id:')) return 'salesforce-replay-id';
  const parts = key.split('/');
  if (parts[1] === 'conversations') return '{channel}/conversations';
  return parts.slice(0, 2).join('/');
}

export async function migrate(
  from: MigrationEnd,
  to: MigrationEnd,
  {
    overwrite = false,
    dryRun = false,
    batch = 16,
    progress = () => undefined,
  }: { overwrite?: boolean; dryRun?: boolean; batch?: number; progress?: (done: number, total: number) => void } = {},
): Promise<MigrationReport> {
  const existing = await to.keys();
  if (existing.length > 0 && !overwrite && !dryRun)
    throw new Error(
      `the target (${to.describe}) already holds ${existing.length} keys (e.g. ${existing[0] ?? ''}); migrate into an empty one, or pass --overwrite to copy over them (after an interrupted run)`,
    );
  const keys = (await from.keys()).sort();
  const report: MigrationReport = { copied: 0, byKind: {}, sessionsByState: {} };
  for (let i = 0; i < keys.length; i += batch) {
    const slice = keys.slice(i, i + batch);
    const items = await from.storage.read(slice);
    const missing = slice.filter((key) => items[key] === undefined);
    if (missing.length > 0) throw new Error(`listed but not readable in the source (${from.describe}): ${missing.join(', ')}`);
    const changes: Record<string, Record<string, unknown>> = {};
    for (const key of slice) {
      const { eTag: _eTag, ...item } = items[key] as Record<string, unknown>;
      changes[key] = { ...item, eTag: '*' };
      const kind = kindOfKey(key);
      report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      if (kind === 'cowork/session' && typeof item.state === 'string') report.sessionsByState[item.state] = (report.sessionsByState[item.state] ?? 0) + 1;
    }
    if (!dryRun) await to.storage.write(changes);
    report.copied += slice.length;
    progress(report.copied, keys.length);
  }
  return report;
}
