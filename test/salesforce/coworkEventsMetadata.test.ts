/**
 * The Salesforce half of co-work: the two platform events the agent's side travels on, exactly as
 * the issue names them, the permissions for them, and the simulator serving them from these same
 * files (no second list).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { buildObjectModel } from '../../simulator/objectModel';
import { readSfdxMetadata } from '../../simulator/sfdxMetadata';
import { buildEventSchema } from '../../simulator/eventSchema';

const SOURCE = join(__dirname, '../../salesforce/force-app/main/default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => ['objectPermissions', 'fieldPermissions', 'flowAccesses'].includes(name),
});

function root(relativePath: string, expected: string): Record<string, unknown> {
  const xml = readFileSync(join(SOURCE, relativePath), 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const element = (parser.parse(xml) as Record<string, Record<string, unknown> | undefined>)[expected];
  expect(element).toBeDefined();
  expect(element!['@_xmlns']).toBe(METADATA_NS);
  return element!;
}

const EVENTS: Record<string, Record<string, number>> = {
  Cowork_Request__e: { Correlation_Id__c: 18, Form_Id__c: 64, Requested_By__c: 18 },
  Cowork_Status__e: { Correlation_Id__c: 18, Session_Key__c: 64, State__c: 32, Answer__c: 255, Detail__c: 255 },
};

describe.each(Object.entries(EVENTS))('platform event %s', (name, fields) => {
  it('is a high-volume event published immediately, with exactly the named Text fields', () => {
    const object = root(`objects/${name}/${name}.object-meta.xml`, 'CustomObject');
    expect(object).toMatchObject({ deploymentStatus: 'Deployed', eventType: 'HighVolume', publishBehavior: 'PublishImmediately' });
    for (const [field, length] of Object.entries(fields)) {
      const def = root(`objects/${name}/fields/${field}.field-meta.xml`, 'CustomField');
      expect(def).toMatchObject({ fullName: field, type: 'Text', length: String(length), required: 'false' });
    }
  });

  it('is served by the simulator from the same files, with an Avro schema of those fields', () => {
    const model = buildObjectModel(readSfdxMetadata());
    const definition = model.find(name);
    expect(definition?.kind).toBe('platformEvent');
    const custom = definition!.fields.filter((f) => f.custom).map((f) => [f.name, f.length]);
    expect(Object.fromEntries(custom)).toEqual(fields);
    const schema = JSON.parse(buildEventSchema(definition!).json) as { name: string; fields: Array<{ name: string }> };
    expect(schema.name).toBe(name);
    expect(schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['CreatedDate', 'CreatedById', ...Object.keys(fields)]));
  });
});

describe('platform event Cowork_Message__e (a chat taken over from the Case)', () => {
  const FIELDS = {
    Correlation_Id__c: ['Text', 18],
    Session_Key__c: ['Text', 64],
    Kind__c: ['Text', 16],
    Text__c: ['LongTextArea', 32768],
    Sender__c: ['Text', 80],
  };

  it('is a high-volume event with exactly the fields the issue names, types and lengths', () => {
    const object = root('objects/Cowork_Message__e/Cowork_Message__e.object-meta.xml', 'CustomObject');
    expect(object).toMatchObject({ deploymentStatus: 'Deployed', eventType: 'HighVolume', publishBehavior: 'PublishImmediately' });
    expect(readdirSync(join(SOURCE, 'objects/Cowork_Message__e/fields')).sort()).toEqual(
      Object.keys(FIELDS)
        .map((f) => `${f}.field-meta.xml`)
        .sort(),
    );
    for (const [field, [type, length]] of Object.entries(FIELDS)) {
      const def = root(`objects/Cowork_Message__e/fields/${field}.field-meta.xml`, 'CustomField');
      expect(def).toMatchObject({ fullName: field, type, length: String(length), required: 'false' });
      // A Long Text Area needs its visible lines, or the deploy is refused.
      if (type === 'LongTextArea') expect(Number(def.visibleLines)).toBeGreaterThan(0);
    }
  });

  it('is served by the simulator from the same files', () => {
    const definition = buildObjectModel(readSfdxMetadata()).find('Cowork_Message__e');
    expect(definition?.kind).toBe('platformEvent');
    expect(Object.fromEntries(definition!.fields.filter((f) => f.custom).map((f) => [f.name, f.length]))).toEqual(
      Object.fromEntries(Object.entries(FIELDS).map(([f, [, length]]) => [f, length])),
    );
  });
});

describe('permission sets for the agent-side events', () => {
  const permission = (file: string, object: string): Record<string, string> | undefined =>
    (root(`permissionsets/${file}`, 'PermissionSet').objectPermissions as Array<Record<string, string>>).find((o) => o.object === object);

  it('lets the bot read requests and publish statuses', () => {
    expect(permission('Cowork_Bot.permissionset-meta.xml', 'Cowork_Request__e')).toMatchObject({
      allowRead: 'true',
      allowCreate: 'false',
      allowDelete: 'false',
    });
    expect(permission('Cowork_Bot.permissionset-meta.xml', 'Cowork_Status__e')).toMatchObject({ allowRead: 'true', allowCreate: 'true', allowDelete: 'false' });
    // The panel's messages in, the customer's out.
    expect(permission('Cowork_Bot.permissionset-meta.xml', 'Cowork_Message__e')).toMatchObject({
      allowRead: 'true',
      allowCreate: 'true',
      allowDelete: 'false',
    });
  });

  it("lets an agent publish requests and answers, read statuses and run the panel's flows", () => {
    const file = 'Cowork_Agent.permissionset-meta.xml';
    expect(permission(file, 'Cowork_Request__e')).toMatchObject({ allowCreate: 'true' });
    expect(permission(file, 'Cowork_Status__e')).toMatchObject({ allowRead: 'true', allowCreate: 'false' });
    expect(permission(file, 'Use_of_Funds__e')).toMatchObject({ allowCreate: 'true' });
    expect(permission(file, 'Cowork_Message__e')).toMatchObject({ allowRead: 'true', allowCreate: 'true' });
    const flows = (root(`permissionsets/${file}`, 'PermissionSet').flowAccesses as Array<Record<string, string>>).map((f) => f.flow);
    expect(flows.sort()).toEqual(['Answer_Cowork_Form', 'Send_Cowork_Form', 'Send_Cowork_Message']);
  });
});

/**
 * Flows cannot run here. Salesforce's metadata library (@salesforce/source-deploy-retrieve) resolves
 * every file to its type in metadata.test.ts; this checks what it does not and a deploy checks first:
 * well-formed XML, the root element and namespace of its type, file names matching folders and API
 * names, and every name a file refers to (objects, fields, variables, flows) defined in this same source.
 */
describe('agent-side Flows, Quick Action and Lightning Web Component metadata', () => {
  const fieldsOf = (object: string): string[] => readdirSync(join(SOURCE, 'objects', object, 'fields')).map((f) => f.replace('.field-meta.xml', ''));
  const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

  it.each([
    ['Send_Cowork_Form', 'Cowork_Request__e', { Correlation_Id__c: 'recordId', Form_Id__c: 'use-of-funds', Requested_By__c: '$User.Id' }],
    ['Answer_Cowork_Form', 'Use_of_Funds__e', { Correlation_Id__c: 'recordId', Use_of_Fund_Reason__c: 'useOfFundsReason' }],
    [
      'Send_Cowork_Message',
      'Cowork_Message__e',
      { Correlation_Id__c: 'recordId', Kind__c: 'kind', Text__c: 'text', Session_Key__c: 'sessionKey', Sender__c: '$User.Username' },
    ],
  ])('flow %s: one Create Records element publishing %s with exactly its fields, from input variables', (name, object, assignments) => {
    const flow = root(`flows/${name}.flow-meta.xml`, 'Flow');
    expect(flow).toMatchObject({ processType: 'Flow', status: 'Active' });
    expect(Number(flow.apiVersion)).toBeGreaterThanOrEqual(52);
    const creates = asArray(flow.recordCreates as Record<string, unknown> | Array<Record<string, unknown>>);
    expect(creates).toHaveLength(1);
    for (const other of ['recordUpdates', 'recordDeletes', 'recordLookups', 'actionCalls', 'decisions', 'loops', 'screens', 'subflows', 'assignments'])
      expect(flow[other]).toBeUndefined();
    const create = creates[0]!;
    expect(create.object).toBe(object);
    expect((flow.start as Record<string, Record<string, unknown> | undefined>).connector?.targetReference).toBe(create.name);

    const variables = asArray(flow.variables as Record<string, string> | Array<Record<string, string>>);
    const inputs = new Set(variables.filter((v) => v.isInput === 'true').map((v) => v.name));
    expect(inputs.has('recordId')).toBe(true);
    const given = Object.fromEntries(
      asArray(create.inputAssignments as Array<Record<string, Record<string, string>>>).map((a) => [
        a.field as unknown as string,
        a.value!.elementReference ?? a.value!.stringValue,
      ]),
    );
    expect(given).toEqual(assignments);
    // Every field exists on the event; every reference is an input variable or a global ($User).
    for (const field of Object.keys(given)) expect(fieldsOf(object)).toContain(field);
    for (const a of asArray(create.inputAssignments as Array<Record<string, Record<string, string>>>)) {
      const ref = a.value!.elementReference;
      if (ref !== undefined && !ref.startsWith('$')) expect(inputs).toContain(ref);
    }
  });

  it('the Case Quick Action runs the Send_Cowork_Form flow', () => {
    const action = root('quickActions/Case.Send_Cowork_Form.quickAction-meta.xml', 'QuickAction');
    expect(action).toMatchObject({ type: 'Flow', flowDefinition: 'Send_Cowork_Form', label: 'Send the use-of-funds form' });
    expect(readdirSync(join(SOURCE, 'flows'))).toContain(`${String(action.flowDefinition)}.flow-meta.xml`);
  });

  it('the coworkPanel bundle: js, html and js-meta.xml named after its folder, exposed on Case record pages', () => {
    const dir = join(SOURCE, 'lwc', 'coworkPanel');
    expect(
      readdirSync(dir)
        .filter((f) => !f.startsWith('__'))
        .sort(),
    ).toEqual(['coworkPanel.html', 'coworkPanel.js', 'coworkPanel.js-meta.xml', 'panelStream.js']);
    const bundle = root('lwc/coworkPanel/coworkPanel.js-meta.xml', 'LightningComponentBundle');
    expect(bundle.isExposed).toBe('true');
    expect((bundle.targets as Record<string, unknown>).target).toBe('lightning__RecordPage');
    const config = (bundle.targetConfigs as Record<string, Record<string, unknown>>).targetConfig!;
    expect(config['@_targets']).toBe('lightning__RecordPage');
    expect((config.objects as Record<string, unknown>).object).toBe('Case');
    const js = readFileSync(join(dir, 'coworkPanel.js'), 'utf8');
    expect(readFileSync(join(dir, 'panelStream.js'), 'utf8')).toMatch(/from 'lightning\/empApi'/);
    expect(js).toContain("'/event/Cowork_Status__e'");
    expect(js).toContain("'/event/Cowork_Message__e'");
    // The flows the panel starts exist.
    const flows = js.match(/'(\w+_Cowork_(?:Form|Message))'/g) ?? [];
    expect(flows).toContain("'Send_Cowork_Message'");
    for (const flow of flows) expect(readdirSync(join(SOURCE, 'flows'))).toContain(`${flow.slice(1, -1)}.flow-meta.xml`);
    expect(readFileSync(join(SOURCE, '../../../.forceignore'), 'utf8')).toContain('**/__tests__/**');
  });
});
