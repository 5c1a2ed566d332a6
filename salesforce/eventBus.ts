/**
 * `EventBus` over the Salesforce Pub/Sub API: one publisher, and one stream per topic for the
 * whole process however many sessions wait on it (routing happens behind the handler, by a
 * point lookup in Storage — not by opening more streams).
 */
import type { Log } from '../util/log';
import { normalizeId } from '../util/salesforceId';
import { eventCreatedAt } from '../cowork/domain/eventAge';
import { MeasuredOrgClock } from './orgClock';
import type {
  CorrelationKeyOf,
  EventBus,
  EventHandler,
  EventSubscription,
  KeyValueStorage,
  PlatformEvent,
  PublishOptions,
  PublishResult,
  SubscribeOptions,
} from '../cowork/ports';
import type { SalesforceSession } from './connection';
import { DeliveryMeter } from './deliveryMeter';
import { EventPublisher } from './eventPublisher';
import type { PubSubTarget } from './pubSubClient';
import type { RestApi } from './restApi';
import { DEFAULT_SUBSCRIPTION_TUNING, TopicSubscription, type SubscriptionTuning } from './topicSubscription';

export type { SubscribeOptions } from '../cowork/ports';

/**
 * Keys events by the first of `fields` that holds a non-empty string (e.g. a form's correlation
 * field). A Salesforce id is keyed by its 18-character form: the same Case spelled with 15
 * characters, or lower-cased, is the same key (its events run one after the other).
 */
export function byPayloadField(...fields: readonly string[]): CorrelationKeyOf {
  return (event: PlatformEvent) => {
    for (const field of fields) {
      const key = event.payload[field];
      if (typeof key === 'string' && key !== '') return normalizeId(key) ?? key;
    }
    return undefined;
  };
}

export const byCorrelationId: CorrelationKeyOf = byPayloadField('Correlation_Id__c');

export interface SalesforceEventBusDeps {
  session: SalesforceSession;
  rest: RestApi;
  target: PubSubTarget;
  storage: KeyValueStorage;
  log: Log;
  tuning?: Partial<SubscriptionTuning>;
}

export class SalesforceEventBus implements EventBus {
  private readonly publisher: EventPublisher;
  private readonly subscriptions = new Map<string, TopicSubscription>();
  private readonly tuning: SubscriptionTuning;
  /** Deliveries to this instance, all topics together: they share the org's allocation. */
  private readonly deliveries: DeliveryMeter;

  constructor(private readonly deps: SalesforceEventBusDeps) {
    this.publisher = new EventPublisher(deps.session, deps.rest, deps.target, deps.log);
    this.tuning = { ...DEFAULT_SUBSCRIPTION_TUNING, ...deps.tuning };
    this.deliveries = new DeliveryMeter(this.tuning.deliveryAllocation, deps.log);
  }

  /** The org's 24-hour delivery allocation, as its /limits report it. */
  setDeliveryAllocationPerDay(perDay: number): void {
    this.deliveries.setAllocationPerDay(perDay);
  }

  /** The org's clock, measured by the round trip of this bot's own events (orgClock.ts). */
  readonly clock = new MeasuredOrgClock();

  async publish(topic: string, fields: Readonly<Record<string, string | null>>, options?: PublishOptions): Promise<PublishResult> {
    const sentAt = Date.now();
    const result = await this.publisher.publish(topic, fields, options);
    if (result.replayId !== undefined) this.clock.published(`${topic}\n${result.replayId}`, sentAt, Date.now());
    return result;
  }

  /** Several events of one topic in one call (see `EventPublisher.publishBatch`). */
  publishBatch(topic: string, fieldsList: ReadonlyArray<Readonly<Record<string, string | null>>>): Promise<{ accepted: number; failures: string[] }> {
    return this.publisher.publishBatch(topic, fieldsList);
  }

  async subscribe(topic: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<EventSubscription> {
    if (this.subscriptions.has(topic)) {
      throw new Error(`Already subscribed to ${topic}: one stream per topic per process; route events inside its handler`);
    }
    const measured: EventHandler = (event) => {
      this.clock.delivered(`${event.topic}\n${event.replayId}`, eventCreatedAt(event));
      return handler(event);
    };
    const subscription = new TopicSubscription(topic, measured, options.correlationKey ?? byCorrelationId, {
      session: this.deps.session,
      target: this.deps.target,
      storage: this.deps.storage,
      log: this.deps.log,
      tuning: this.tuning,
      deliveries: this.deliveries,
    });
    this.subscriptions.set(topic, subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(topic);
      await subscription.close();
      throw error;
    }
    const subscriptions = this.subscriptions;
    return {
      state: () => subscription.state(),
      async close() {
        if (subscriptions.get(topic) === subscription) subscriptions.delete(topic);
        await subscription.close();
      },
    };
  }

  /** Every open subscription's state, for /healthz. */
  states(): ReturnType<TopicSubscription['state']>[] {
    return [...this.subscriptions.values()].map((s) => s.state());
  }

  async close(): Promise<void> {
    this.publisher.close();
    await Promise.all([...this.subscriptions.values()].map((s) => s.close()));
    this.subscriptions.clear();
  }
}
