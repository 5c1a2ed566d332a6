/**
 * Co-work mounted in a Microsoft 365 Agents SDK agent: `mountCowork(app, options)` registers
 * co-work's routes in the host's `AgentApplication`, each with a rank, and runs them on the same
 * host-neutral core and turn logic as the botbuilder host (bot/turn, dialogs/, cowork/). This folder
 * only translates: turns (agentsTurn.ts), proactive sends (agentsProactive.ts), storage (the SDK's
 * `Storage` is co-work's key-value storage as it is) and channel authentication (agentsAuth.ts).
 *
 * The SDK runs ONE route per turn, the first whose selector takes it in rank order (routes of one
 * rank in the order they were added); a selector can only decline. Co-work's routes, all at
 * `options.rank`, in this order:
 *   1. `cowork.handover`: an agent's conversation (the local relay), or a customer's message while
 *      a person owns the chat;
 *   2. `welcome` (on its own only), `handoff.status`, `cowork.start`, `cowork.link` (events by name),
 *      `too-long` (on its own only);
 *   3. `/cowork <Case>` (dev commands);
 *   4. card actions by verb (`value.cowork`): `card.submit`, `card.confirm`, `card.change`,
 *      `card.handoff`, and `card.unknown`;
 *   5. `help`, `ask-person` (on its own only);
 *   6. `form`: mounted, a message while a co-work form is open in the conversation; on its own, every message.
 * A host's routes with a lower rank come first, with a higher one after.
 */
import { RouteRank, type AgentApplication, type CloudAdapter, type TurnContext, type TurnState } from '@microsoft/agents-hosting';
import type { KeyValueStorage } from '../../util/storage';
import type { Log } from '../../util/log';
import { createCowork, type Cowork, type CoworkOptions } from '../compositionRoot';
import type { BotConfig } from '../config/config';
import { agentsProactiveTurns } from './agentsProactive';
import { agentsTurn } from './agentsTurn';

export interface MountCoworkOptions extends Omit<CoworkOptions, 'adapter' | 'proactive' | 'storage'> {
  config: BotConfig;
  log: Log;
  /**
   * The SDK's `Storage` for co-work's sessions and conversation state (its keys are namespaced):
   * `MemoryStorage`, or botbuilder-azure-blobs' `BlobsStorage` (there is no Agents SDK Blob package
   * for JavaScript). Default: from `config.storage` (`STORAGE`).
   */
  storage?: KeyValueStorage | undefined;
  /**
   * The adapter proactive turns go through. Default: `app.adapter` (give the app one:
   * `new AgentApplication({ adapter: new CloudAdapter(authConfig), ... })`).
   */
  adapter?: CloudAdapter | undefined;
  /** The rank of co-work's routes (default `RouteRank.Unspecified`). */
  rank?: number | undefined;
  /**
   * Mounted: a message co-work's `form` route took while a form was open, and then left to the host
   * (it was no answer: "what are your opening hours?"). The SDK runs one route per turn, so it is
   * handed here.
   */
  otherwise?: (context: TurnContext, state: TurnState) => Promise<void> | undefined;
}

/**
 * Registers co-work's routes in `app` and starts co-work (Salesforce or the simulator, the event
 * streams, the timed work). Resolves the running co-work (`stop()` on shutdown).
 *
 * @example
 * ```ts
 * const adapter = new CloudAdapter(authConfig);
 * const app = new AgentApplication<TurnState>({ adapter, storage });
 * app.onMessage('/hours', async (context) => { await context.sendActivity('9 to 5'); }, [], RouteRank.First);
 * const cowork = await mountCowork(app, { config: loadConfig(process.env), log, storage, mounted: true });
 * ```
 */
export async function mountCowork(app: AgentApplication<TurnState>, options: MountCoworkOptions): Promise<Cowork> {
  const { config } = options;
  const adapter = options.adapter ?? app.adapter;
  if (!adapter) throw new Error('mountCowork: the AgentApplication has no adapter: pass `adapter` or build the app with one');
  const { adapter: _a, rank: _r, otherwise, storage, ...rest } = options;
  const cowork = await createCowork({
    ...rest,
    ...(storage ? { storage } : {}),
    proactive: agentsProactiveTurns(adapter, config.microsoftApp.id, config.sendTimeoutMs),
  });
  const rank = options.rank ?? RouteRank.Unspecified;
  const run = async (context: TurnContext, state: TurnState, route: Cowork['routes'][number] | undefined): Promise<void> => {
    const handled = await cowork.runRoute(agentsTurn(context), route);
    if (!handled) await otherwise?.(context, state);
  };
  app.addRoute(
    (context) => cowork.takesBeforeRoutes(agentsTurn(context)),
    (context, state) => run(context, state, undefined),
    false,
    rank,
  );
  for (const route of cowork.routes) {
    app.addRoute(
      async (context) => route.selector(agentsTurn(context)),
      (context, state) => run(context, state, route),
      false,
      rank,
    );
  }
  return cowork;
}
