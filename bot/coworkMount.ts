/**
 * The mount surface of co-work: what a host gives `createCowork` (bot/compositionRoot.ts) and what it
 * gets back. botbuilder hosts call it directly; the Agents SDK's `mountCowork` (bot/agents) does too.
 */
import type { CloudAdapter } from 'botbuilder';
import type { CoworkService } from '../cowork/coworkService';
import type { FormSpec } from '../cowork/domain/formSpec';
import type { AnswerRecognizer } from '../dialogs/answerRecognizer';
import type { CoworkTurn, ProactiveTurns } from '../dialogs/coworkTurn';
import type { SalesforceOrg } from '../salesforce';
import type { RunningSimulator, SimulatorOptions } from '../simulator';
import type { Log } from '../util/log';
import type { KeyValueStorage } from '../util/storage';
import type { BotConfig } from './config/config';
import type { HealthReport } from './edge/healthz';
import type { AgentRelayDeps } from './handoff/agentRelay';
import type { CoworkRoute } from './turn/coworkBot';

/**
 * What `createCowork` needs. Only `config`, `log` and `adapter` are required; everything else has
 * the default a production bot wants.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env); // bot/config/config.ts: validated once, errors name the variable
 * const cowork = await createCowork({
 *   config,
 *   log,
 *   adapter,                 // the host bot's CloudAdapter: co-work's proactive turns use it too
 *   mounted: true,           // leave greetings, help and other text to the host bot
 *   storage: hostStorage,    // optional: share the host's botbuilder Storage (keys are namespaced)
 * });
 * ```
 */
export interface CoworkOptions {
  /** The validated configuration (`loadConfig(process.env)` in bot/config/config.ts). */
  config: BotConfig;
  /** Where co-work logs (pino-style: `info(fields, message)`); secrets are never passed to it. */
  log: Log;
  /** botbuilder: the adapter turns arrive on (the host bot's, when mounted): proactive turns go through it too. */
  adapter?: CloudAdapter | undefined;
  /** Another host (the Agents SDK's `mountCowork`): its proactive turns, instead of `adapter`. */
  proactive?: ProactiveTurns | undefined;
  /** The host's storage (botbuilder's or the Agents SDK's `Storage`) shared by conversation state and co-work sessions. Default: from `config.storage`. */
  storage?: KeyValueStorage | undefined;
  /** What `/healthz` calls `storage` (e.g. `memory` for a host's MemoryStorage); default "provided by the caller". */
  storageKind?: string | undefined;
  /** With `config.simulator`: how the embedded Salesforce simulator starts (tests seed or fault it). */
  simulatorOptions?: SimulatorOptions | undefined;
  /** The form sessions send. Default: the Use of Funds form, on the configured `SF_EVENT_TOPIC`. */
  form?: FormSpec | undefined;
  /** How often the timed work (expiry, in-flight recovery) runs. */
  deadlineIntervalMs?: number | undefined;
  /**
   * Mounted in another bot: co-work takes only its own activities (`cowork.start`, card submits,
   * `/cowork`, the handoff protocol, answers to its open form) and `onTurn` resolves false for the rest.
   * Default false: co-work is the whole bot (greeting, help, every message).
   */
  mounted?: boolean | undefined;
  /** Limits on wrong `/agent login` keys (defaults in loginLimiter.ts; tests shorten the lock). */
  agentLoginLimits?: AgentRelayDeps['loginLimits'] | undefined;
  /** Understands typed answers (e.g. an LLM); the built-in recogniser by default. Every answer it finds is confirmed with the customer first. */
  recognizer?: AnswerRecognizer | undefined;
}

/** A running co-work: its turn handler, health, and `stop`. Built by `createCowork`. */
export interface Cowork {
  /**
   * Runs a turn, one at a time per conversation (proactive turns included). Resolves whether the
   * turn was co-work's; when mounted, `false` means the host bot should handle it. Conversation
   * state is saved before it resolves.
   *
   * @example
   * ```ts
   * server.post('/api/messages', (req, res) =>
   *   adapter.process(req, res, async (context) => {
   *     if (await cowork.onTurn(context)) return; // start, card submit, answer, handoff: co-work's
   *     await myBot.run(context);                 // everything else stays the host's
   *   }),
   * );
   * ```
   */
  onTurn(context: CoworkTurn): Promise<boolean>;
  /** co-work's routes as data (name, selector, rank, handler), in order: a host with a route table registers them (bot/agents). */
  routes: readonly CoworkRoute[];
  /** Runs a turn the host routed to `route` (one at a time per conversation, the state saved). */
  runRoute(context: CoworkTurn, route: CoworkRoute | undefined): Promise<boolean>;
  /** Whether co-work takes this turn before any of its routes (an agent's conversation, a chat a person owns). */
  takesBeforeRoutes(context: CoworkTurn): Promise<boolean>;
  /** What `/healthz` reports: Salesforce, the event streams, storage. */
  health(): Promise<HealthReport>;
  /** Folder of the images the cards show, to serve at `${config.publicUrl}/images/{file}`. */
  imagesDir: string;
  service: CoworkService;
  salesforce: SalesforceOrg;
  simulator: RunningSimulator | undefined;
  storage: KeyValueStorage;
  /** Finishes the turns in flight, then closes the subscription, Salesforce and the simulator. */
  stop(): Promise<void>;
}
