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
import { API_VERSION, rawSubscriptions, waitFor, type RawStream } from './support';

const PROTO = readFileSync(path.resolve(__dirname, '../../node_modules/salesforce-pubsub-api-client/pubsub_api.proto'), 'utf8');
const EVENT = 'Use_of_Funds__e';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The proto's comment text with its comment markers and line breaks folded, so a sentence can be found whole. */
function protoSays(sentence: string): boolean {
  const folded = PROTO.replace(/^\s*(\/\/|\/\*|\*\/|\*)\s?/gm, ' ').replace(/\s+/g, ' ');
  return folded.includes(sentence);
}

describe("the simulator against Salesforce's own word", () => {
  const rig = rawSubscriptions({ host: '127.0.0.1', restPort: 0, pubSubPort: 0, keepaliveIntervalMs: 50, fullAccess: true });
  const { open } = rig;
  const eventsOf = (o: RawStream) => o.responses.flatMap((r) => r.events);
  const publish = (reason: string) => rig.sim.org.publishEvent(EVENT, { Correlation_Id__c: rig.sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: reason });

  /** A REST call with the simulator's CA trusted for this request only; the raw status and body. */
  function rest(method: string, route: string, body?: unknown, token = rig.sim.org.authority.issueToken()): Promise<{ status: number; text: string }> {
    const url = new URL(`/services/data/v${API_VERSION}${route}`, rig.sim.instanceUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: rig.sim.caCert,
          headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
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
      const answer = await rest('POST', `/sobjects/${EVENT}/`, { Correlation_Id__c: rig.sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Education' });
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
      const kase = rig.sim.seed.cases[1]!;
      const answer = await rest('PATCH', `/sobjects/Case/${kase.id}`, { Use_of_Funds__c: 'Other' });
      expect(answer).toEqual({ status: 204, text: '' });
      expect(rig.sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c).toBe('Other');
    });
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm ("Status Codes and
  // Error Responses"): "the response body usually contains: The HTTP response code; The message accompanying the
  // HTTP response code; The field or object where the error occurred (if the response returns information about an
  // error)"; "401: The session ID or OAuth token used has expired or is invalid. The response body contains the
  // message and errorCode."; "404: The requested resource couldn't be found." Its "Incorrect ID example":
  //   { "fields" : [ "Id" ], "message" : "Account ID: id value of incorrect type: …", "errorCode" : "MALFORMED_ID" }
  // (an array of these on the wire: the body jsforce reads as errorCode and message).
  describe('REST API: the error responses of the documentation', () => {
    /** The body of a REST error: a JSON array of { message, errorCode[, fields] }, nothing else. */
    function errorsOf(text: string): Array<{ message: string; errorCode: string; fields?: string[] }> {
      const body = JSON.parse(text) as unknown;
      expect(Array.isArray(body)).toBe(true);
      const errors = body as Array<Record<string, unknown>>;
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(Object.keys(error).filter((k) => !['message', 'errorCode', 'fields'].includes(k))).toEqual([]);
        expect(typeof error.message).toBe('string');
        expect(error.errorCode).toEqual(expect.stringMatching(/^[A-Z_]+$/));
        if ('fields' in error) expect(Array.isArray(error.fields) && error.fields.every((f) => typeof f === 'string')).toBe(true);
      }
      return errors as Array<{ message: string; errorCode: string; fields?: string[] }>;
    }

    it('an id of the wrong object is the "Incorrect ID example": 400, MALFORMED_ID, "<Object> ID: id value of incorrect type: <id>", fields [Id]', async () => {
      const accountId = '001900K0001pPuOAAU'; // an Account id (prefix 001) where a Case id is expected
      const answer = await rest('PATCH', `/sobjects/Case/${accountId}`, { Use_of_Funds__c: 'Other' });
      expect(answer.status).toBe(400);
      expect(errorsOf(answer.text)).toEqual([{ fields: ['Id'], message: `Case ID: id value of incorrect type: ${accountId}`, errorCode: 'MALFORMED_ID' }]);
    });

    it('an expired or invalid session is 401 with the message and errorCode (INVALID_SESSION_ID), and no field', async () => {
      const answer = await rest('PATCH', `/sobjects/Case/${rig.sim.seed.cases[1]!.id}`, { Use_of_Funds__c: 'Other' }, 'not-a-session');
      expect(answer.status).toBe(401);
      expect(errorsOf(answer.text)).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    });

    // The examples give `fields` only where a field is concerned; the message of a missing record is the
    // simulator's (what a real org answers for a well-formed id of no record), not pinned here.
    it('a resource that does not exist is 404, NOT_FOUND, and no field', async () => {
      const answer = await rest('GET', `/sobjects/Case/${rig.sim.seed.cases[1]!.id.slice(0, 12)}ZZZ`);
      expect(answer.status).toBe(404);
      expect(errorsOf(answer.text)).toEqual([{ message: expect.any(String), errorCode: 'NOT_FOUND' }]);
      const route = await rest('GET', '/no-such-resource');
      expect(route.status).toBe(404);
      expect(errorsOf(route.text)).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    });

    it('a bad picklist value names the field where the error occurred, and the record is unchanged', async () => {
      const kase = rig.sim.seed.cases[1]!;
      const before = rig.sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c;
      const answer = await rest('PATCH', `/sobjects/Case/${kase.id}`, { Use_of_Funds__c: 'Not a value' });
      expect(answer.status).toBe(400);
      expect(errorsOf(answer.text)).toEqual([
        {
          message: expect.stringContaining('bad value for restricted picklist field: Not a value'),
          errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          fields: ['Use_of_Funds__c'],
        },
      ]);
      expect(rig.sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c).toBe(before);
    });

    it('a field the object does not have is 400, INVALID_FIELD, in the same shape', async () => {
      const answer = await rest('PATCH', `/sobjects/Case/${rig.sim.seed.cases[1]!.id}`, { No_Such_Field__c: 'x' });
      expect(answer.status).toBe(400);
      const [error, ...more] = errorsOf(answer.text);
      expect(more).toEqual([]);
      expect(error).toMatchObject({ errorCode: 'INVALID_FIELD', message: "No such column 'No_Such_Field__c' on sobject of type Case" });
    });
  });
});
