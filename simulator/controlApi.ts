/**
 * `/__simulator/…`: the fault-injection and inspection API on the REST port (JSON in, JSON
 * out, documented in docs/SIMULATOR.md). Each route is the wire form of a `SimulatedOrg`
 * method. Only the simulator has it: a real org answers 404, so nothing in the bot may call it.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { jsonBody, type HttpRequest, type Route } from './httpsServer';
import type { SimulatedOrg } from './org';
import { ERROR_CODE } from './pubSubServer';
import { SalesforceError } from './salesforceError';

const badRequest = (message: string): SalesforceError => new SalesforceError(400, 'INVALID_FAULT', message);

function objectBody(request: HttpRequest, optional = false): Record<string, unknown> {
  if (optional && request.body.length === 0) return {};
  const body = jsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** Turns a RangeError from a FaultPlan check into a 400 the caller can read. */
function checked<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof RangeError) throw badRequest(error.message);
    throw error;
  }
}

function grpcCode(value: unknown): GrpcStatus {
  if (value === undefined) return GrpcStatus.UNAVAILABLE;
  const code = typeof value === 'string' ? GrpcStatus[value as keyof typeof GrpcStatus] : value;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 1 || code > 16) {
    throw badRequest('code must be a gRPC status name (e.g. "UNAVAILABLE") or number 1-16.');
  }
  return code;
}

export function controlApiRoutes(org: SimulatedOrg): Route[] {
  const route = (method: string, path: string, handle: Route['handle']): Route => ({
    method,
    pattern: new RegExp(`^/__simulator/${path}$`),
    name: `${method} /__simulator/${path}`,
    control: true,
    handle,
  });
  return [
    route('GET', 'state', () => ({
      status: 200,
      json: {
        openStreams: org.openStreamCount(),
        requestCounts: org.requestCounts(),
        retainedEvents: Object.fromEntries(org.bus.topicNames().map((t) => [t, org.bus.topic(t)?.retained().length ?? 0])),
        deliveryAllocation: org.deliveryAllocation(),
        records: Object.fromEntries(['Case', 'CaseComment', 'Contact', 'MessagingSession', 'LiveChatTranscript'].map((o) => [o, org.store.count(o)])),
      },
    })),
    route('POST', 'faults/rest', (request) => {
      const body = objectBody(request);
      checked(() =>
        org.failRest({
          method: String(body.method ?? '*'),
          path: String(body.path ?? ''),
          count: body.count === undefined ? undefined : Number(body.count),
          status: body.status === undefined ? undefined : Number(body.status),
          errorCode: body.errorCode === undefined ? undefined : String(body.errorCode),
          message: body.message === undefined ? undefined : String(body.message),
        }),
      );
      return { status: 204 };
    }),
    route('DELETE', 'faults', () => {
      org.clearFaults();
      return { status: 204 };
    }),
    route('PUT', 'latency', (request) => {
      const body = objectBody(request);
      checked(() =>
        org.setLatency({
          ...(body.restMs === undefined ? {} : { restMs: Number(body.restMs) }),
          ...(body.pubSubMs === undefined ? {} : { pubSubMs: Number(body.pubSubMs) }),
        }),
      );
      return { status: 204 };
    }),
    route('POST', 'faults/schema', (request) => {
      const body = objectBody(request);
      checked(() => org.slowSchemaLookups(Number(body.delayMs), body.count === undefined ? undefined : Number(body.count)));
      return { status: 204 };
    }),
    route('POST', 'tokens/expire', () => {
      org.expireTokens();
      return { status: 204 };
    }),
    route('POST', 'streams/end', (request) => {
      const body = objectBody(request, true);
      const ended = org.endStreams({
        code: grpcCode(body.code),
        errorCode: typeof body.errorCode === 'string' ? body.errorCode : ERROR_CODE.unavailable,
        details: typeof body.details === 'string' ? body.details : 'The service is unavailable (ended by the simulator).',
      });
      return { status: 200, json: { ended } };
    }),
    route('POST', 'streams/stall', () => {
      org.stallStreams();
      return { status: 204 };
    }),
    route('POST', 'streams/release', () => {
      org.releaseStreams();
      return { status: 204 };
    }),
    route('POST', 'events/expire', () => {
      org.expireEvents();
      return { status: 204 };
    }),
    route('POST', 'records/([A-Za-z0-9_]+)/([A-Za-z0-9]{15,18})/fail', (request) => {
      const [objectName = '', id = ''] = request.params;
      const body = objectBody(request);
      const errorCode = String(body.errorCode ?? '');
      if (errorCode !== 'FIELD_CUSTOM_VALIDATION_EXCEPTION' && errorCode !== 'ENTITY_IS_LOCKED' && errorCode !== 'UNABLE_TO_LOCK_ROW') {
        throw badRequest('errorCode must be FIELD_CUSTOM_VALIDATION_EXCEPTION, ENTITY_IS_LOCKED or UNABLE_TO_LOCK_ROW.');
      }
      org.failRecord(objectName, id, {
        errorCode,
        ...(body.message === undefined ? {} : { message: String(body.message) }),
        ...(body.times === undefined ? {} : { times: Number(body.times) }),
      });
      return { status: 204 };
    }),
    route('PUT', 'limits', (request) => {
      const body = objectBody(request);
      const count = (value: unknown, name: string): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer.`);
        return n;
      };
      if (body.max !== undefined) org.apiLimit.max = count(body.max, 'max');
      if (body.remaining !== undefined) org.apiLimit.spend(count(body.remaining, 'remaining'));
      return { status: 200, json: { DailyApiRequests: org.apiLimit.snapshot() } };
    }),
    route('PUT', 'permissionsets', (request) => {
      const body = objectBody(request);
      if (!Array.isArray(body.assigned) || !body.assigned.every((n) => typeof n === 'string'))
        throw badRequest('assigned must be a list of permission set names.');
      checked(() => org.assignPermissionSets(body.assigned as string[]));
      return { status: 204 };
    }),
    route('POST', 'clock/advance', (request) => {
      const body = objectBody(request);
      checked(() => org.advanceClock(Number(body.ms)));
      return { status: 204 };
    }),
    route('POST', 'events/([A-Za-z0-9_]+__e)/fields', (request) => {
      const [eventName = ''] = request.params;
      const body = objectBody(request);
      if (typeof body.name !== 'string') throw badRequest('name must be a field API name, e.g. "Use_of_Fund_Note__c".');
      const schemaId = checked(() =>
        org.addEventField(eventName, { name: body.name as string, ...(body.length !== undefined ? { length: Number(body.length) } : {}) }),
      );
      return { status: 201, json: { schemaId } };
    }),
    route('POST', 'events/renumber', (request) => {
      const body = objectBody(request);
      const first = typeof body.firstReplayId === 'string' && /^\d{1,20}$/.test(body.firstReplayId) ? BigInt(body.firstReplayId) : undefined;
      if (first === undefined || first >= 2n ** 64n) throw badRequest('firstReplayId must be a decimal string below 2^64, e.g. "1000".');
      org.renumberReplayIds(first);
      return { status: 204 };
    }),
    route('PUT', 'allocation', (request) => {
      const body = objectBody(request);
      checked(() => org.setDeliveryAllocation(Number(body.perDay), body.resetUsage === true));
      return { status: 200, json: org.deliveryAllocation() };
    }),
    route('POST', 'events/([A-Za-z0-9_]+__e)', (request) => {
      const [eventName = ''] = request.params;
      // `?as=agent`: published by the agent's flow from the panel, with the agent's permissions (Create on the event).
      const as = request.query.get('as');
      if (as !== null && as !== 'agent') throw badRequest('as must be "agent" (or absent: published by the org itself)');
      const receipt = org.publishEvent(eventName, objectBody(request), as === 'agent' ? 'agent' : 'system');
      return { status: 201, json: receipt };
    }),
    // What a panel would have received: the retained events of one platform event (oldest first), e.g. the
    // bot's from_customer messages and statuses while trying a takeover with curl.
    route('GET', 'events/([A-Za-z0-9_]+__e)', (request) => {
      const [eventName = ''] = request.params;
      return {
        status: 200,
        json: { events: org.publishedEvents(eventName).map((e) => ({ eventUuid: e.eventUuid, replayId: e.replayIdText, payload: e.payload })) },
      };
    }),
  ];
}
