/**
 * Routes as data, host-neutral: botbuilder's host walks them in rank order (CoworkBot.run); the
 * Agents SDK's host registers each in its AgentApplication (bot/agents/mountCowork.ts).
 */
import type { CoworkTurn } from '../../dialogs/coworkTurn';

/** A route: which turns it takes (`selector`, which may only decline), in which order (`rank`), and what it does. */
export interface CoworkRoute {
  name: string;
  /** Lower goes first (the Agents SDK's route ranks); routes of one rank keep their order. */
  rank: number;
  selector: (turn: CoworkTurn) => boolean | Promise<boolean>;
  /** Resolves false when, after all, the route left the activity to the host bot. */
  handler: (turn: CoworkTurn) => Promise<boolean | void>;
}

/** The ranks of co-work's routes, relative to each other: a host places them all with one base rank. */
export const ROUTE_RANKS = { protocol: 0, commands: 1, cardAction: 2, text: 3, form: 4 } as const;
