/**
 * Fault injection over `/__simulator/` (the wire API the docs describe) and bad input of
 * every kind: each answered with Salesforce's error shapes, and the simulator keeps serving.
 */
import https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import jsforce, { type Connection } from 'jsforce';
import { PUBSUB_ERROR_CODE, startSimulator, type RunningSimulator } from '../../simulator';
import { pubSubStubClass } from '../../salesforce/pubSubProto';
import { API_VERSION, clientCredentialsConnection, errorCodeOf, pubSubClient, recorder, TOPIC, trustSimulator, waitFor, type PubSubClient } from './support';

let sim: RunningSimulator;
let conn: Connection;
const clients: PubSubClient[] = [];
const subscriptions: Array<ReturnType<typeof recorder>> = [];

/** Calls the simulator's own API (or any REST path) with a raw HTTPS request. */
function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${sim.loginUrl}${path}`, { method, ca: sim.caCert, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function subscribed(): Promise<ReturnType<typeof recorder>> {
  const c = await pubSubClient(sim, conn.accessToken ?? '');
  clients.push(c);
  const r = recorder();
  subscriptions.push(r);
  const before = sim.org.openStreamCount();
  c.subscribe(TOPIC, r.callback);
  await waitFor('the stream to open', () => sim.org.openStreamCount() === before + 1);
  return r;
}

beforeAll(async () => {
  sim = await startSimulator({ keepaliveIntervalMs: 100 });
  trustSimulator(sim.caCert);
  conn = await clientCredentialsConnection(sim);
});

afterEach(async () => {
  await call('DELETE', '/__simulator/faults');
  sim.org.endStreams({ code: 1, errorCode: 'test.teardown', details: 'test finished' });
  await waitFor('every subscription to see its end', () => subscriptions.every((r) => r.recorded.ended));
  subscriptions.length = 0;
  for (const c of clients.splice(0)) c.close();
  conn = await clientCredentialsConnection(sim); // a test may have expired every token
});

afterAll(async () => {
  await sim?.stop();
});

const caseQuery = async (): Promise<unknown> => conn.query(`SELECT Id FROM Case WHERE Id = '${sim.seed.cases[0]?.id}'`);

describe('fault injection API', () => {
  it('fails the next N matching REST calls with the given status and error, then recovers', async () => {
    const armed = await call(
      'POST',
      '/__simulator/faults/rest',
      JSON.stringify({
        method: 'GET',
        path: '/services/data/*/query',
        count: 2,
        status: 403,
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        message: 'TotalRequests Limit exceeded.',
      }),
    );
    expect(armed.status).toBe(204);
    await expect(caseQuery()).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    await expect(conn.sobject('Case').retrieve(sim.seed.cases[0]?.id ?? '')).resolves.toBeDefined(); // other routes unaffected
    await expect(caseQuery()).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    await expect(caseQuery()).resolves.toMatchObject({ totalSize: 1 });
    expect(sim.org.requestCounts()['GET /services/data/vXX.X/query']).toBeGreaterThanOrEqual(3);
  });

  it('expires every token: REST answers INVALID_SESSION_ID and Pub/Sub refuses the old token', async () => {
    // A bare token, so jsforce reports the 401 itself instead of trying to refresh.
    const token = (await clientCredentialsConnection(sim)).accessToken ?? '';
    const fresh = new jsforce.Connection({ instanceUrl: sim.instanceUrl, accessToken: token, version: API_VERSION });
    await expect(fresh.query('SELECT Id FROM Case LIMIT 1')).resolves.toMatchObject({ totalSize: 1 });
    expect((await call('POST', '/__simulator/tokens/expire')).status).toBe(204);
    await expect(fresh.query('SELECT Id FROM Case LIMIT 1')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    const c = await pubSubClient(sim, token);
    clients.push(c);
    const r = recorder();
    subscriptions.push(r);
    c.subscribe(TOPIC, r.callback);
    await waitFor('the refused stream to end', () => r.recorded.ended);
    expect(errorCodeOf(r.recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.auth);
  });

  it('ends all streams with a gRPC status and error code', async () => {
    const r = await subscribed();
    const ended = await call('POST', '/__simulator/streams/end', JSON.stringify({ code: 'UNAVAILABLE', errorCode: PUBSUB_ERROR_CODE.unavailable }));
    expect(ended.json).toEqual({ ended: 1 });
    await waitFor('the stream to end', () => r.recorded.ended);
    expect(r.recorded.errors[0]?.code).toBe(grpc.status.UNAVAILABLE);
    expect(errorCodeOf(r.recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.unavailable);
  });

  it('stalls streams (no events, no keepalives) until released, then delivers what was held', async () => {
    const r = await subscribed();
    await waitFor('a keepalive', () => r.recorded.keepalives > 0);
    await call('POST', '/__simulator/streams/stall');
    const keepalivesWhenStalled = r.recorded.keepalives;
    const published = await call(
      'POST',
      '/__simulator/events/Use_of_Funds__e',
      JSON.stringify({ Correlation_Id__c: sim.seed.cases[0]?.id, Use_of_Fund_Reason__c: 'Education' }),
    );
    expect(published.status).toBe(201);
    // A negative check needs a window: several keepalive intervals of silence.
    await expect(waitFor('anything while stalled', () => r.recorded.events.length > 0 || r.recorded.keepalives > keepalivesWhenStalled, 400)).rejects.toThrow(
      /timed out/,
    );
    await call('POST', '/__simulator/streams/release');
    await waitFor('the held event', () => r.recorded.events.length === 1);
    expect(r.recorded.events[0]?.id).toBe((published.json as { eventUuid: string }).eventUuid);
  });

  it('publishes an event as if from an agent flow, delivered like any other', async () => {
    const r = await subscribed();
    const published = await call(
      'POST',
      '/__simulator/events/Use_of_Funds__e',
      JSON.stringify({ Correlation_Id__c: sim.seed.cases[2]?.id, Use_of_Fund_Reason__c: 'Debt Consolidation' }),
    );
    await waitFor('the flow event', () => r.recorded.events.length === 1);
    expect(r.recorded.events[0]?.payload).toMatchObject({
      Correlation_Id__c: sim.seed.cases[2]?.id,
      Use_of_Fund_Reason__c: 'Debt Consolidation',
      Session_Key__c: null,
    });
    expect(r.recorded.events[0]?.replayId).toBe((published.json as { replayId: number }).replayId);
  });

  it('adds latency to REST calls', async () => {
    await call('PUT', '/__simulator/latency', JSON.stringify({ restMs: 150 }));
    const started = Date.now();
    await caseQuery();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("fails one record's updates, spends the API allocation, moves the clock, reassigns permission sets", async () => {
    const [first, second] = sim.seed.cases;
    expect((await call('POST', `/__simulator/records/Case/${first!.id}/fail`, JSON.stringify({ errorCode: 'ENTITY_IS_LOCKED', times: 1 }))).status).toBe(204);
    await expect(conn.sobject('Case').update({ Id: first!.id, Subject: 'x' })).rejects.toMatchObject({ errorCode: 'ENTITY_IS_LOCKED' });
    await conn.sobject('Case').update({ Id: first!.id, Subject: first!.subject });
    expect((await call('POST', `/__simulator/records/Case/${second!.id}/fail`, JSON.stringify({ errorCode: 'NOPE' }))).status).toBe(400);

    expect(await call('PUT', '/__simulator/limits', JSON.stringify({ remaining: 0 }))).toMatchObject({
      status: 200,
      json: { DailyApiRequests: { Remaining: 0 } },
    });
    await expect(caseQuery()).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect((await call('POST', '/__simulator/clock/advance', JSON.stringify({ ms: 24 * 60 * 60 * 1000 }))).status).toBe(204);
    conn = await clientCredentialsConnection(sim); // the day moved on: sessions ended, the allocation is back
    await expect(caseQuery()).resolves.toBeDefined();

    expect((await call('PUT', '/__simulator/permissionsets', JSON.stringify({ assigned: ['No_Such_Set'] }))).status).toBe(400);
    expect((await call('PUT', '/__simulator/permissionsets', JSON.stringify({ assigned: [] }))).status).toBe(204);
    await expect(caseQuery()).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    expect((await call('PUT', '/__simulator/permissionsets', JSON.stringify({ assigned: ['Cowork_Bot', 'Cowork_Bot_Legacy_Chat'] }))).status).toBe(204);
    await expect(caseQuery()).resolves.toBeDefined();
  });

  it('refuses malformed fault requests with a 400 and a Salesforce-shaped error', async () => {
    for (const [method, path, body] of [
      ['POST', '/__simulator/faults/rest', JSON.stringify({ path: '/x', status: 200 })],
      ['POST', '/__simulator/faults/rest', '{not json'],
      ['PUT', '/__simulator/latency', JSON.stringify({ restMs: -5 })],
      ['POST', '/__simulator/streams/end', JSON.stringify({ code: 'NOT_A_CODE' })],
    ] as const) {
      const answer = await call(method, path, body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual([expect.objectContaining({ errorCode: expect.any(String), message: expect.any(String) })]);
    }
  });
});

describe('bad input never crashes the simulator', () => {
  it('an oversized body is 413, a non-JSON body JSON_PARSER_ERROR, and the next call works', async () => {
    const id = sim.seed.cases[0]?.id ?? '';
    const auth = { authorization: `Bearer ${conn.accessToken}` };
    const huge = await call('PATCH', `/services/data/v${API_VERSION}/sobjects/Case/${id}`, JSON.stringify({ Subject: 'x'.repeat(2 * 1024 * 1024) }), auth);
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual([expect.objectContaining({ errorCode: 'REQUEST_ENTITY_TOO_LARGE' })]);
    const garbage = await call('PATCH', `/services/data/v${API_VERSION}/sobjects/Case/${id}`, '{"Subject": ', auth);
    expect(garbage.status).toBe(400);
    expect(garbage.json).toEqual([expect.objectContaining({ errorCode: 'JSON_PARSER_ERROR' })]);
    const array = await call('PATCH', `/services/data/v${API_VERSION}/sobjects/Case/${id}`, '[1,2]', auth);
    expect(array.status).toBe(400);
    await expect(caseQuery()).resolves.toMatchObject({ totalSize: 1 });
  });

  it('an unknown route is a 404 NOT_FOUND array', async () => {
    const answer = await call('GET', `/services/data/v${API_VERSION}/nowhere`, undefined, { authorization: `Bearer ${conn.accessToken}` });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
  });

  it('garbage gRPC messages and undecodable Avro are refused; the server keeps serving', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('accesstoken', conn.accessToken ?? '');
    metadata.set('instanceurl', sim.instanceUrl);
    metadata.set('tenantid', sim.orgId);
    const credentials = grpc.credentials.createSsl(Buffer.from(sim.caCert));

    // Raw bytes that are not a PublishRequest.
    const Raw = grpc.makeGenericClientConstructor(
      {
        Publish: {
          path: '/eventbus.v1.PubSub/Publish',
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'RawPubSub',
    );
    const raw = new Raw(sim.pubSubEndpoint, credentials) as unknown as grpc.Client & {
      Publish(req: Buffer, md: grpc.Metadata, cb: (e: grpc.ServiceError | null) => void): void;
    };
    const rawError = await new Promise<grpc.ServiceError | null>((resolve) => raw.Publish(Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01]), metadata, resolve));
    expect(rawError?.code).toBe(grpc.status.INTERNAL);
    raw.close();

    // A well-formed request whose payload is not Avro of the topic's schema.
    const PubSub = pubSubStubClass<grpc.Client & { GetTopic: (...args: unknown[]) => void; Publish: (...args: unknown[]) => void }>();
    const typed = new PubSub(sim.pubSubEndpoint, credentials);
    const topic = await new Promise<{ schemaId: string }>((resolve, reject) =>
      typed.GetTopic({ topicName: TOPIC }, metadata, (e: Error | null, r: { schemaId: string }) => (e ? reject(e) : resolve(r))),
    );
    const response = await new Promise<{ results: Array<{ error?: { msg: string }; correlationKey: string }> }>((resolve, reject) =>
      typed.Publish(
        {
          topicName: TOPIC,
          events: [
            { id: 'junk-1', schemaId: topic.schemaId, payload: Buffer.from('definitely not avro') },
            { id: 'junk-2', schemaId: 'wrong-schema', payload: Buffer.from([0]) },
          ],
        },
        metadata,
        (e: Error | null, r: { results: Array<{ error?: { msg: string }; correlationKey: string }> }) => (e ? reject(e) : resolve(r)),
      ),
    );
    expect(response.results.map((r) => [r.correlationKey, Boolean(r.error?.msg)])).toEqual([
      ['junk-1', true],
      ['junk-2', true],
    ]);
    typed.close();
    expect(sim.org.publishedEvents('Use_of_Funds__e').some((e) => e.eventUuid === 'junk-1')).toBe(false);
    await expect(caseQuery()).resolves.toMatchObject({ totalSize: 1 });
  });

  it('ManagedSubscribe is UNIMPLEMENTED (documented)', async () => {
    const PubSub = pubSubStubClass<grpc.Client & { ManagedSubscribe(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown> }>();
    const typed = new PubSub(sim.pubSubEndpoint, grpc.credentials.createSsl(Buffer.from(sim.caCert)));
    const metadata = new grpc.Metadata();
    metadata.set('accesstoken', conn.accessToken ?? '');
    const stream = typed.ManagedSubscribe(metadata);
    const error = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    typed.close();
  });
});
