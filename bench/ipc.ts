/**
 * Messages between the bench process and its children (the bot, the baseline subscribers),
 * over Node's IPC channel. Figures are plain numbers so they survive JSON.
 */

import { emptyCounts, type StorageOpCounts } from './countingStorage';

/** A process's resource figures at one moment. Heap is measured after a full GC. */
export interface ProcessStats {
  /** User + system CPU time since the process started, in ms. */
  cpuMs: number;
  rssBytes: number;
  /** Peak resident set size since the process started (getrusage maxrss). */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** Bytes held by the bot's MemoryStorage (JSON text of every entry), 0 for the baseline. */
  storageBytes: number;
  storageEntries: number;
  /** Storage operations so far, counted by the bot's counting wrapper (zeros for other processes). */
  storageOps: StorageOpCounts;
}

/** `light` stats skip the full GC and the walk over Storage (heap and storage figures are then 0): for polling mid-phase. */
export type ToChild =
  | { type: 'stats'; id: number; light?: boolean }
  | { type: 'stop'; id: number }
  | { type: 'subscribe'; id: number; correlationIds: string[] }
  | { type: 'progress'; id: number };

export type FromChild =
  | { type: 'ready'; url?: string }
  | { type: 'stats'; id: number; stats: ProcessStats }
  | { type: 'subscribed'; id: number; opened: number; failed: number; error?: string }
  | {
      type: 'progress';
      id: number;
      matched: number;
      received: number;
      sessionsMatched: number;
      duplicates: number;
      errors: number;
      ended: number;
      firstError?: string;
    }
  | { type: 'stopped'; id: number }
  | { type: 'fatal'; error: string };

/** Stats of the current process; `storage` is the MemoryStorage's backing object, if any, and `ops` its operation counts. */
export function processStats(storage?: Record<string, unknown>, ops: StorageOpCounts = emptyCounts(), light = false): ProcessStats {
  const gc = light ? undefined : (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let storageBytes = 0;
  let storageEntries = 0;
  for (const [key, value] of Object.entries(light ? {} : (storage ?? {}))) {
    if (typeof value !== 'string') continue;
    storageEntries++;
    storageBytes += key.length + Buffer.byteLength(value);
  }
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: memory.rss,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: light ? 0 : memory.heapUsed,
    storageBytes,
    storageEntries,
    storageOps: { ...ops, byKind: { ...ops.byKind } },
  };
}

export function send(message: FromChild): void {
  process.send?.(message);
}
