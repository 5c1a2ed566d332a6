/** The CPU floor of a bare turn on the same HTTP edge and adapter (floorBotProcess.ts). */
import path from 'node:path';
import type { BenchChannel } from '../channel';
import { Child } from '../child';
import type { BenchOptions } from '../options';
import { pool, progress, round } from '../util';

export interface FloorFigures {
  turns: number;
  failed: number;
  botCpuPerTurnMs: number;
  /** Turns a co-work session takes: the start, the submit, the proactive thank-you. */
  turnsPerSession: number;
}

/**
 * The CPU floor of a turn on this machine: the floor bot (bench/floorBotProcess.ts) answers
 * `turns` messages, 50 in flight, after a warm-up. Whatever a co-work session costs beyond
 * `turnsPerSession` times this is co-work's own work (Salesforce, storage, dialogs, cards).
 */
export async function floor(channel: BenchChannel, options: BenchOptions): Promise<FloorFigures> {
  progress(`floor: ${options.floorTurns} bare turns (same edge and adapter, state, one reply)`);
  // With --bot-cpu-prof the floor bot is profiled too (in DIR/floor): the two profiles compare turn for turn.
  const profArgs = options.botCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(options.botCpuProf), 'floor')}`] : [];
  const { child, url } = await Child.start('floor bot', 'floorBotProcess.ts', {}, options.maxOldSpaceMb, profArgs);
  try {
    if (!url) throw new Error('the floor bot did not report its URL');
    const conversations = Array.from({ length: 200 }, (_, i) => `floor-${i + 1}`);
    let failed = 0;
    const turn = async (_: unknown, i: number): Promise<void> => {
      const status = await channel
        .post(url, conversations[i % conversations.length] as string, { type: 'message', text: 'hello', textFormat: 'plain' })
        .catch(() => 0);
      if (status !== 200) failed++;
    };
    await pool(Array.from({ length: Math.min(500, options.floorTurns) }), 50, turn);
    failed = 0;
    const before = await child.stats();
    await pool(Array.from({ length: options.floorTurns }), 50, turn);
    const after = await child.stats();
    return { turns: options.floorTurns, failed, botCpuPerTurnMs: round((after.cpuMs - before.cpuMs) / options.floorTurns), turnsPerSession: 3 };
  } finally {
    await child.stop(10_000);
  }
}
