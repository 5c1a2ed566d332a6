/**
 * An oracle that is not ours. Where the simulator is the only judge of a Salesforce behaviour the
 * bot relies on, this file pins the simulator to what Salesforce itself says: the comments of the
 * Pub/Sub API proto Salesforce publishes (shipped verbatim at the root of salesforce-pubsub-api-client,
 * read here from the file, so an update of that proto that changes a rule fails this test), and the
 * examples of Salesforce's REST documentation, quoted with their address. If the simulator and the
 * bot drifted together, these tests would still hold them to Salesforce's word.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import type { AccessGrant } from '../../salesforce/connection';
import { PubSubSubscriber, type FetchResponse, type ReplayFrom } from '../../salesforce/pubSubSubscriber';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { API_VERSION, TOPIC, waitFor } from './support';

const PROTO = readFileSync(path.resolve(__dirname, '../../node_modules/salesforce-pubsub-api-client/pubsub_api.proto'), 'utf8');
const EVENT = 'Use_of_Funds__e';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The proto's comment text with its comment markers and line breaks folded, so a sentence can be found whole. */
function protoSays(sentence: string): boolean {
  const folded = PROTO.replace(/^\s*(\/\/|\/\*|\*\/|\*)\s?/gm, ' ').replace(/\s+/g, ' ');
  return folded.includes(sentence);
}

interface Opened {
  responses: FetchResponse[];
  request(count: number): void;
  cancel(): void;
}

describe("the simulator against Salesforce's own word", () => {
  let sim: RunningSimulator;
  let subscriber: PubSubSubscriber;
  const calls: Opened[] = [];
  const grant = (): AccessGrant => ({
    accessToken: sim.org.authority.issueToken(),
    instanceUrl: sim.instanceUrl,
    organizationId: sim.orgId,
    userId: sim.userId,
  });

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', restPort: 0, pubSubPort: 0, keepaliveIntervalMs: 50, fullAccess: true });
    subscriber = new PubSubSubscriber({ endpoint: sim.pubSubEndpoint, trustedCaPem: sim.caCert });
  });
  afterEach(() => {
    for (const call of calls.splice(0)) call.cancel();
  });
  afterAll(async () => {
    subscriber?.close();
    await sim?.stop();
  });

  function open(from: ReplayFrom, numRequested: number): Opened {
    const responses: FetchResponse[] = [];
    const call = subscriber.subscribe(grant(), TOPIC, from, numRequested, { message: (r) => responses.push(r), error: () => undefined, end: () => undefined });
    const opened = { responses, request: (n: number) => call.request(n), cancel: () => call.cancel() };
    calls.push(opened);
    return opened;
  }
  const eventsOf = (o: Opened) => o.responses.flatMap((r) => r.events);
  const publish = (reason: string) => sim.org.publishEvent(EVENT, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: reason });

  /** A REST call with the simulator's CA trusted for this request only; the raw status and body. */
  function rest(method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = new URL(`/services/data/v${API_VERSION}${route}`, sim.instanceUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: sim.caCert,
          headers: { authorization: `Bearer ${sim.org.authority.issueToken()}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  describe('Pub/Sub API: the comments of pubsub_api.proto', () => {
    it('"If no replay_preset is specified, the subscription starts at LATEST (tip of the stream)."', async () => {
      expect(protoSays('If no replay_preset is specified, the subscription starts at LATEST (tip of the stream).')).toBe(true);
      const before = publish('Education');
      // LATEST is the enum's zero value: on the wire, a preset not specified.
      expect(PROTO).toMatch(/LATEST = 0;/);
      const stream = open({ preset: 'LATEST' }, 10);
      await waitFor('a first keepalive (the subscription is set up)', () => stream.responses.length > 0);
      const after = publish('Other');
      await waitFor('the event published after subscribing', () => eventsOf(stream).length > 0);
      expect(eventsOf(stream).map((e) => e.id)).toEqual([after.eventUuid]);
      expect(eventsOf(stream).map((e) => e.id)).not.toContain(before.eventUuid);
    });

    it('"If there are no events to deliver, the server sends an empty batch fetch response with the latest replay ID."', async () => {
      expect(protoSays('If there are no events to deliver, the server sends an empty batch fetch response with the latest replay ID.')).toBe(true);
      expect(protoSays('The empty fetch response is sent within 270 seconds.')).toBe(true);
      const published = publish('Vehicle Purchase');
      const stream = open({ preset: 'EARLIEST' }, 100);
      await waitFor(
        'the retained events, then a keepalive',
        () => eventsOf(stream).some((e) => e.id === published.eventUuid) && stream.responses.at(-1)!.events.length === 0,
      );
      const keepalive = stream.responses.at(-1)!;
      expect(keepalive.events).toEqual([]);
      expect(keepalive.latestReplayId).toBeInstanceOf(Buffer);
      // The latest replay id of this subscription: the last event it received.
      expect(keepalive.latestReplayId!.equals(eventsOf(stream).at(-1)!.replayId)).toBe(true);
    });

    it('"pending_num_requested: Number of remaining events to be delivered to the client for a Subscribe RPC call."', async () => {
      expect(protoSays('Number of remaining events to be delivered to the client for a Subscribe RPC call.')).toBe(true);
      const stream = open({ preset: 'LATEST' }, 5);
      await waitFor('a first keepalive', () => stream.responses.length > 0);
      expect(stream.responses[0]!.pendingNumRequested).toBe(5);
      publish('Education');
      publish('Other');
      await waitFor('both events', () => eventsOf(stream).length === 2);
      const lastWithEvents = stream.responses.filter((r) => r.events.length > 0).at(-1)!;
      expect(lastWithEvents.pendingNumRequested).toBe(3);
      // "Each subsequent FetchRequest informs the server of additional processing capacity": it adds up.
      expect(protoSays('Each subsequent FetchRequest informs the server of additional processing capacity available on the client side.')).toBe(true);
      const count = stream.responses.length;
      stream.request(4);
      await waitFor('a response after asking for more', () => stream.responses.length > count);
      await waitFor('the capacity to add up', () => stream.responses.at(-1)!.pendingNumRequested === 7);
    });
  });

  describe('REST API: the examples of the documentation', () => {
    // https://developer.salesforce.com/docs/atlas.en-us.platform_events.meta/platform_events/platform_events_publish_api.htm
    // "To indicate that the publish operation is asynchronous, the OPERATION_ENQUEUED status code is returned
    // for a successful call in the response's error field, in addition to the event UUID." Example:
    //   HTTP/1.1 201 Created
    //   { "id" : "e01xx0000000001AAA", "success" : true,
    //     "errors" : [ { "statusCode" : "OPERATION_ENQUEUED", "message" : "232fd30e-0a71-42bd-a97b-be0e329b2ded", "fields" : [ ] } ] }
    it('publishing an event over REST answers 201 with success true and OPERATION_ENQUEUED carrying the event UUID', async () => {
      const stream = open({ preset: 'LATEST' }, 10);
      await waitFor('a first keepalive', () => stream.responses.length > 0);
      const answer = await rest('POST', `/sobjects/${EVENT}/`, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Education' });
      expect(answer.status).toBe(201);
      const body = JSON.parse(answer.text) as { id: unknown; success: unknown; errors: Array<Record<string, unknown>> };
      expect(Object.keys(body).sort()).toEqual(['errors', 'id', 'success']);
      expect(body.success).toBe(true);
      expect(body.id).toEqual(expect.stringMatching(/^e0[0-9A-Za-z]{16}$/));
      expect(body.errors).toEqual([{ statusCode: 'OPERATION_ENQUEUED', message: expect.stringMatching(UUID), fields: [] }]);
      // "Subscribers can use the ReplayId ... to identify the position"; the UUID is the event's own.
      await waitFor('the event on the stream', () => eventsOf(stream).length > 0);
      expect(eventsOf(stream)[0]!.id).toBe(body.errors[0]!.message);
    });

    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm
    // "Example response body for updating fields in an Account object: none returned"; and
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_relationships_patch.htm
    // "A response body isn't returned for an update via PATCH."
    it('updating a record with PATCH answers 204 with no body', async () => {
      const kase = sim.seed.cases[1]!;
      const answer = await rest('PATCH', `/sobjects/Case/${kase.id}`, { Use_of_Funds__c: 'Other' });
      expect(answer).toEqual({ status: 204, text: '' });
      expect(sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c).toBe('Other');
    });
  });
});
