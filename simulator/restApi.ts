/**
 * The org's REST surface as jsforce and the Pub/Sub client use it: OAuth token endpoint,
 * userinfo and identity URL, the SOAP `login()`, and `/services/data/vXX.X/…` (query,
 * sobject rows, describe, platform event publish). Shapes follow the REST API guide.
 *
 * Simulates: the REST API and OAuth endpoints of an org.
 */
import { XMLParser } from 'fast-xml-parser';
import { OAuthError } from './authority';
import { jsonBody, type HttpRequest, type HttpResult, type Route } from './httpsServer';
import type { FieldDefinition, ObjectDefinition } from './objectModel';
import type { QueryResultRows, SimulatedOrg, StoredRecord } from './org';
import { notFound, SalesforceError, sessionInvalid } from './salesforceError';

/** Salesforce pages query results by 2,000 records. */
export const QUERY_BATCH_SIZE = 2000;
const MAX_OPEN_CURSORS = 200;
const VERSION = String.raw`v(\d{2}\.\d)`;

type QueryCursor = QueryResultRows;

export function restApiRoutes(org: SimulatedOrg, loginUrl: string): Route[] {
  const cursors = new Map<string, QueryCursor>();
  let cursorCounter = 0;

  const requireSession = (request: HttpRequest): void => {
    const header = request.headers.authorization ?? '';
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)?.[1];
    if (!org.authority.isValid(token)) throw sessionInvalid();
  };

  /** A data API call: a live session, then one request of the org's daily allocation. */
  const apiCall = (request: HttpRequest): void => {
    requireSession(request);
    org.apiLimit.consume();
  };

  const checkVersion = (version: string): void => {
    const n = Number(version);
    if (!(n >= 31 && n <= 66)) throw notFound(`API version ${version} is not supported`);
  };

  const recordJson = (definition: ObjectDefinition, version: string, record: StoredRecord, fields: readonly string[]): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      attributes: { type: definition.name, url: `/services/data/v${version}/sobjects/${definition.name}/${record.Id}` },
    };
    for (const f of fields) json[f] = record[f] ?? null;
    return json;
  };

  const queryPage = (version: string, cursor: QueryCursor, offset: number, totalSize: number): HttpResult => {
    const definition = org.sobject(cursor.objectName, 'integration');
    const page = cursor.records.slice(offset, offset + QUERY_BATCH_SIZE);
    const done = offset + page.length >= cursor.records.length;
    const result: Record<string, unknown> = {
      totalSize,
      done,
      records: page.map((r) => {
        const json = recordJson(definition, version, r, cursor.fields);
        // A subquery's rows nest under the relationship name: null when there are none, as Salesforce answers.
        for (const sub of cursor.subqueries) {
          const rows = sub.rowsByParent.get(r.Id) ?? [];
          const child = org.sobject(sub.objectName, 'integration');
          json[sub.name] =
            rows.length === 0 ? null : { totalSize: rows.length, done: true, records: rows.map((c) => recordJson(child, version, c, sub.fields)) };
        }
        return json;
      }),
    };
    if (!done) {
      const id = `01gSm${String(++cursorCounter).padStart(10, '0')}`;
      cursors.set(id, cursor);
      if (cursors.size > MAX_OPEN_CURSORS) cursors.delete(cursors.keys().next().value as string);
      result.nextRecordsUrl = `/services/data/v${version}/query/${id}-${offset + page.length}`;
    }
    return { status: 200, json: result };
  };

  const describe = (definition: ObjectDefinition, version: string): Record<string, unknown> => ({
    name: definition.name,
    label: definition.label,
    labelPlural: definition.labelPlural,
    keyPrefix: definition.keyPrefix,
    custom: definition.custom,
    createable: org.access.object(definition.name).allowCreate,
    updateable: definition.kind === 'sobject' && org.access.object(definition.name).allowEdit,
    deletable: definition.kind === 'sobject' && org.access.object(definition.name).allowDelete,
    queryable: definition.kind === 'sobject' && org.access.object(definition.name).allowRead,
    retrieveable: definition.kind === 'sobject',
    searchable: definition.kind === 'sobject',
    fields: definition.fields.map(describeField),
    childRelationships: org
      .modelFor('integration')
      .childRelationships(definition)
      .map((r) => ({
        cascadeDelete: false,
        childSObject: r.childObject.name,
        deprecatedAndHidden: false,
        field: r.field.name,
        relationshipName: r.name,
        restrictedDelete: false,
      })),
    urls: {
      sobject: `/services/data/v${version}/sobjects/${definition.name}`,
      describe: `/services/data/v${version}/sobjects/${definition.name}/describe`,
      rowTemplate: `/services/data/v${version}/sobjects/${definition.name}/{ID}`,
    },
  });

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/services\/oauth2\/token$/,
      name: 'POST /services/oauth2/token',
      handle: (request) => {
        try {
          return { status: 200, json: org.authority.grant(new URLSearchParams(request.body.toString('utf8')), request.headers.host) };
        } catch (error) {
          if (error instanceof OAuthError) return { status: error.status, json: { error: error.error, error_description: error.description } };
          throw error;
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/services\/oauth2\/userinfo$/,
      name: 'GET /services/oauth2/userinfo',
      handle: (request) => {
        const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
        if (!org.authority.isValid(token)) return { status: 403, text: 'Bad_OAuth_Token', contentType: 'text/plain' };
        return { status: 200, json: userInfo(org, loginUrl) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/id\/([^/]+)\/([^/]+)$/,
      name: 'GET /id/{orgId}/{userId}',
      handle: (request) => {
        requireSession(request);
        const { orgId, userId } = org.authority.credentials;
        if (request.params[0] !== orgId || request.params[1] !== userId) throw notFound();
        const info = userInfo(org, loginUrl);
        return {
          status: 200,
          json: {
            id: org.authority.identityUrl,
            asserted_user: true,
            user_id: userId,
            organization_id: orgId,
            username: info.preferred_username,
            nick_name: info.nickname,
            display_name: info.name,
            email: info.email,
            active: true,
            user_type: 'STANDARD',
            language: 'en_US',
            locale: 'en_US',
            utcOffset: 0,
            urls: info.urls,
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(String.raw`^/services/Soap/u/(\d{2}\.\d)$`),
      name: 'POST /services/Soap/u/{version}',
      handle: (request) => soapLogin(org, loginUrl, request),
    },
    {
      method: 'GET',
      pattern: /^\/services\/data$/,
      name: 'GET /services/data',
      handle: () => ({
        status: 200,
        json: ['60.0', '61.0', '62.0', '63.0', '64.0'].map((v) => ({ label: 'Simulator', url: `/services/data/v${v}`, version: v })),
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/services/data/${VERSION}/limits$`),
      name: 'GET /services/data/vXX.X/limits',
      handle: (request) => {
        // Reading the limits does not spend them.
        requireSession(request);
        const [version = ''] = request.params;
        checkVersion(version);
        // The limits resource needs View Setup and Configuration (REST API Developer Guide, "Limits").
        if (!org.access.hasUserPermission('ViewSetup'))
          throw new SalesforceError(403, 'INSUFFICIENT_ACCESS', 'The View Setup and Configuration permission is required to read the org limits');
        const allocation = (a: { perDay: number; remaining(): number }): { Max: number; Remaining: number } => ({ Max: a.perDay, Remaining: a.remaining() });
        return {
          status: 200,
          json: {
            DailyApiRequests: org.apiLimit.snapshot(),
            // High-volume platform events delivered to API subscribers (Pub/Sub API, CometD, empApi) in 24 hours,
            // and published in the last hour (Platform Events Developer Guide, "Monitor Platform Event Usage").
            DailyDeliveredPlatformEvents: allocation(org.bus.deliveries),
            HourlyPublishedPlatformEvents: allocation(org.bus.publishes),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/services/data/${VERSION}/query$`),
      name: 'GET /services/data/vXX.X/query',
      handle: (request) => {
        apiCall(request);
        const [version = ''] = request.params;
        checkVersion(version);
        const soql = request.query.get('q');
        if (!soql) throw new SalesforceError(400, 'MALFORMED_QUERY', 'A query string (q) is required');
        const result = org.query(soql, 'integration');
        return queryPage(version, result, 0, result.records.length);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/services/data/${VERSION}/query/(01gSm[0-9]{10})-([0-9]+)$`),
      name: 'GET /services/data/vXX.X/query/{cursor}',
      handle: (request) => {
        apiCall(request);
        const [version = '', id = '', offset = '0'] = request.params;
        const cursor = cursors.get(id);
        if (!cursor || Number(offset) >= cursor.records.length) throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        return queryPage(version, cursor, Number(offset), cursor.records.length);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/services/data/${VERSION}/sobjects/([^/]+)/describe$`),
      name: 'GET /services/data/vXX.X/sobjects/{object}/describe',
      handle: (request) => {
        apiCall(request);
        const [version = '', objectName = ''] = request.params;
        checkVersion(version);
        return { status: 200, json: describe(org.sobject(objectName, 'integration'), version) };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/services/data/${VERSION}/sobjects/([^/]+)$`),
      name: 'POST /services/data/vXX.X/sobjects/{object}',
      handle: (request) => {
        apiCall(request);
        const [version = '', objectName = ''] = request.params;
        checkVersion(version);
        const definition = org.sobject(objectName, 'integration');
        const body = jsonBody(request) as Record<string, unknown>;
        if (definition.kind === 'platformEvent') {
          const receipt = org.publishEvent(definition.name, body, 'integration');
          // Queued, not delivered: Salesforce says so with an OPERATION_ENQUEUED "error".
          return {
            status: 201,
            json: { id: receipt.id, success: true, errors: [{ statusCode: 'OPERATION_ENQUEUED', message: receipt.eventUuid, fields: [] }] },
          };
        }
        const record = org.createRecord(definition.name, body, 'integration');
        return { status: 201, json: { id: record.Id, success: true, errors: [] } };
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/services/data/${VERSION}/sobjects/([^/]+)/([^/]+)$`),
      name: 'GET /services/data/vXX.X/sobjects/{object}/{id}',
      handle: (request) => {
        apiCall(request);
        const [version = '', objectName = '', rawId = ''] = request.params;
        checkVersion(version);
        const definition = org.sobject(objectName, 'integration');
        const id = org.recordId(definition, rawId, 'integration');
        const fieldsParam = request.query.get('fields');
        const fields = fieldsParam
          ? fieldsParam.split(',').map((name) => {
              const field = definition.fieldsByLowerName.get(name.trim().toLowerCase());
              if (!field) throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${definition.name}`);
              return field.name;
            })
          : definition.fields.map((f) => f.name);
        return { status: 200, json: recordJson(definition, version, org.store.get(definition.name, id) as StoredRecord, fields) };
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/services/data/${VERSION}/sobjects/([^/]+)/([^/]+)$`),
      name: 'PATCH /services/data/vXX.X/sobjects/{object}/{id}',
      handle: (request) => {
        apiCall(request);
        const [version = '', objectName = '', rawId = ''] = request.params;
        checkVersion(version);
        org.updateRecord(objectName, rawId, jsonBody(request) as Record<string, unknown>, 'integration');
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/services/data/${VERSION}/sobjects/([^/]+)/([^/]+)$`),
      name: 'DELETE /services/data/vXX.X/sobjects/{object}/{id}',
      handle: (request) => {
        apiCall(request);
        const [version = '', objectName = '', rawId = ''] = request.params;
        checkVersion(version);
        org.deleteRecord(objectName, rawId, 'integration');
        return { status: 204 };
      },
    },
  ];
  return routes;
}

function describeField(field: FieldDefinition): Record<string, unknown> {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    length: field.type === 'boolean' || field.type === 'datetime' ? 0 : field.length,
    custom: field.custom,
    nillable: field.nillable,
    createable: field.createable,
    updateable: field.updateable,
    defaultedOnCreate: field.type === 'boolean' || field.type === 'id',
    filterable: true,
    sortable: field.type !== 'textarea',
    idLookup: field.name === 'Id' || field.name === 'CaseNumber',
    autoNumber: field.name === 'CaseNumber',
    calculated: false,
    restrictedPicklist: field.restrictedPicklist,
    picklistValues: field.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    referenceTo: field.referenceTo,
    relationshipName: field.type === 'reference' ? field.name.replace(/Id$/, '') : null,
    soapType:
      field.type === 'boolean'
        ? 'xsd:boolean'
        : field.type === 'datetime'
          ? 'xsd:dateTime'
          : field.type === 'id' || field.type === 'reference'
            ? 'tns:ID'
            : 'xsd:string',
  };
}

function userInfo(org: SimulatedOrg, loginUrl: string) {
  const { orgId, userId, username } = org.authority.credentials;
  return {
    sub: org.authority.identityUrl,
    user_id: userId,
    organization_id: orgId,
    preferred_username: username,
    nickname: 'integration',
    name: 'Cowork Integration',
    email: username,
    email_verified: true,
    user_type: 'STANDARD',
    active: true,
    urls: {
      enterprise: `${loginUrl}/services/Soap/c/{version}/${orgId}`,
      partner: `${loginUrl}/services/Soap/u/{version}/${orgId}`,
      rest: `${loginUrl}/services/data/v{version}/`,
      sobjects: `${loginUrl}/services/data/v{version}/sobjects/`,
      query: `${loginUrl}/services/data/v{version}/query/`,
    },
  };
}

const soapParser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, processEntities: true });

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

function soapFault(code: string, message: string): HttpResult {
  return {
    status: 500,
    contentType: 'text/xml; charset=utf-8',
    text:
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com">' +
      `<soapenv:Body><soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${xmlEscape(`${code}: ${message}`)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
  };
}

/** The partner API `login()` call jsforce's `conn.login(username, password)` makes without OAuth client settings. */
function soapLogin(org: SimulatedOrg, loginUrl: string, request: HttpRequest): HttpResult {
  const [version = ''] = request.params;
  let login: { username?: unknown; password?: unknown } | undefined;
  try {
    const envelope = soapParser.parse(request.body.toString('utf8')) as { Envelope?: { Body?: { login?: { username?: unknown; password?: unknown } } } };
    login = envelope.Envelope?.Body?.login;
  } catch {
    login = undefined;
  }
  if (!login || typeof login !== 'object') return soapFault('INVALID_XML', 'The request is not a SOAP login() call.');
  const sessionId = org.authority.soapLogin(String(login.username ?? ''), String(login.password ?? ''));
  if (!sessionId) return soapFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
  const { orgId, userId, username } = org.authority.credentials;
  return {
    status: 200,
    contentType: 'text/xml; charset=utf-8',
    text:
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      '<soapenv:Body><loginResponse><result>' +
      `<metadataServerUrl>${loginUrl}/services/Soap/m/${version}/${orgId}</metadataServerUrl>` +
      '<passwordExpired>false</passwordExpired><sandbox>true</sandbox>' +
      `<serverUrl>${loginUrl}/services/Soap/u/${version}/${orgId}</serverUrl>` +
      `<sessionId>${xmlEscape(sessionId)}</sessionId><userId>${userId}</userId>` +
      `<userInfo><organizationId>${orgId}</organizationId><organizationName>Cowork Simulator</organizationName>` +
      `<userEmail>${xmlEscape(username)}</userEmail><userFullName>Cowork Integration</userFullName><userId>${userId}</userId><userName>${xmlEscape(username)}</userName></userInfo>` +
      '</result></loginResponse></soapenv:Body></soapenv:Envelope>',
  };
}
