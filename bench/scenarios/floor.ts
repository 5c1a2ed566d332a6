/**
 * The CPU floor of a bare turn on a host's own SDK, on the same HTTP edge and adapter as that host:
 * botbuilder's (floorBotProcess.ts) or the Microsoft 365 Agents SDK's (agentsFloorBotProcess.ts).
 */
import path from 'node:path';
import type { BenchChannel } from '../channel';
import { Child } from '../child';
import type { BenchHost, BenchOptions } from '../options';
import { pool, progress, round } from '../util';

export interface FloorFigures {
  /** The SDK whose bare turns these are. */
  host: BenchHost;
  turns: number;
  failed: number;
  botCpuPerTurnMs: number;
  /** Storage operations (per key) per bare turn: the SDK's state load and save. */
  storageOpsPerTurn: number;
  /** Turns a co-work session takes: the start, the submit, the proactive thank-you. */
  turnsPerSession: number;
}

const FLOOR_BOTS: Record<BenchHost, string> = { botbuilder: 'floorBotProcess.ts', agents: 'agentsFloorBotProcess.ts' };

/**
 * The CPU floor of a turn on this machine and host: the host's floor bot answers `turns` messages,
 * 50 in flight, after a warm-up. Whatever a co-work session on that host costs beyond
 * `turnsPerSession` times this is co-work's own work (Salesforce, storage, the form's conversation, cards).
 * `profileDir`: where the floor bot's V8 CPU profile goes (--bot-cpu-prof), if anywhere.
 */
export async function floor(channel: BenchChannel, options: BenchOptions, host: BenchHost, profileDir?: string): Promise<FloorFigures> {
  progress(`floor (${host}): ${options.floorTurns} bare turns (same edge and adapter as the ${host} host, state, one reply)`);
  // With --bot-cpu-prof the floor bot is profiled too: the two profiles compare turn for turn.
  const profArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const { child, url } = await Child.start(`${host} floor bot`, FLOOR_BOTS[host], {}, options.maxOldSpaceMb, profArgs);
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
    const ops = (s: typeof after) => s.storageOps.reads + s.storageOps.writes + s.storageOps.deletes;
    return {
      host,
      turns: options.floorTurns,
      failed,
      botCpuPerTurnMs: round((after.cpuMs - before.cpuMs) / options.floorTurns),
      storageOpsPerTurn: round((ops(after) - ops(before)) / options.floorTurns),
      turnsPerSession: 3,
    };
  } finally {
    await child.stop(10_000);
  }
}
