/**
 * The composition root's two jobs around the event streams: one subscription per topic, each with its
 * decoder and its order (a Case's events one after the other), and the health report that shows them
 * with Salesforce and the storage.
 */
import type { CoworkService } from '../cowork/coworkService';
import type { DecodedRequest } from '../cowork/agentRequests';
import type { DecodedPanelMessage } from '../cowork/domain/panelMessage';
import type { EventBus, EventSubscription } from '../cowork/ports';
import { byCorrelationId, byPayloadField } from '../salesforce';
import { decodeCoworkRequest } from '../salesforce/coworkRequestEvent';
import { decodePanelMessage } from '../salesforce/panelMessages';
import { errorMessage } from '../util/errors';
import type { HealthReport } from './edge/healthz';

export interface StreamHandlers {
  /** Through the port: its options say how a topic's events are ordered (no reaching for the Salesforce class). */
  bus: EventBus;
  service: CoworkService;
  requestTopic: string;
  messageTopic: string;
  onRequest: (request: DecodedRequest) => Promise<void>;
  onPanelMessage: (message: DecodedPanelMessage) => Promise<void>;
}

/** Subscribes to the forms' topics, the agents' requests and the panel's messages: one stream each. */
export async function subscribeStreams(handlers: StreamHandlers): Promise<EventSubscription[]> {
  const { bus, service } = handlers;
  const subscriptions: EventSubscription[] = [];
  for (const topic of service.topics) {
    // One Case's events are handled in order: keyed by the correlation field of the topic's forms.
    const correlationKey = byPayloadField(...service.correlationFields(topic));
    subscriptions.push(await bus.subscribe(topic, (event) => service.handleEvent(event), { correlationKey }));
  }
  // The agents' requests from the Case: one more stream, the same machinery (replay checkpoint, dedupe, flow control).
  // One Case's requests are handled one after the other, whatever the spelling of its id.
  subscriptions.push(
    await bus.subscribe(handlers.requestTopic, (event) => handlers.onRequest(decodeCoworkRequest(event)), { correlationKey: byCorrelationId }),
  );
  subscriptions.push(await bus.subscribe(handlers.messageTopic, (event) => handlers.onPanelMessage(decodePanelMessage(event))));
  return subscriptions;
}

export interface HealthSources {
  salesforce: { health(): Promise<{ ok: boolean } & Record<string, unknown>>; describe(): Record<string, unknown> };
  simulated: boolean;
  subscriptions: readonly EventSubscription[];
  storage: { check(): Promise<unknown>; describe(): Record<string, unknown> };
  /** The org's clock minus this bot's, measured by the round trip of the bot's own events. */
  clock: { report(): unknown };
}

/** What `/healthz` reports: Salesforce, the event streams, the org's clock, the storage. */
export async function healthReport(sources: HealthSources): Promise<HealthReport> {
  const sf = await sources.salesforce.health();
  const streams = sources.subscriptions.map((s) => s.state());
  const pubsubOk = streams.every((s) => s.connected);
  const storageHealth = await sources.storage.check().then(
    () => ({ ok: true, ...sources.storage.describe() }),
    (err: unknown) => ({ ok: false, ...sources.storage.describe(), error: errorMessage(err) }),
  );
  return {
    ok: sf.ok && pubsubOk && storageHealth.ok,
    salesforce: { ...sources.salesforce.describe(), ...sf, mode: sources.simulated ? 'simulator' : 'org' },
    pubsub: { ok: pubsubOk, streams },
    clock: sources.clock.report(),
    storage: storageHealth,
  };
}
