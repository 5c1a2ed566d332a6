/**
 * The Salesforce half of co-work: the two platform events the agent's side travels on, exactly as
 * the issue names them, the permissions for them, and the simulator serving them from these same
 * files (no second list).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { buildObjectModel } from '../../simulator/objectModel';
import { readSfdxMetadata } from '../../simulator/sfdxMetadata';
import { buildEventSchema } from '../../simulator/eventSchema';

const SOURCE = join(__dirname, '../../salesforce/force-app/main/default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['objectPermissions', 'fieldPermissions', 'flowAccesses'].includes(name) });

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

describe('permission sets for the agent-side events', () => {
  const permission = (file: string, object: string): Record<string, string> | undefined =>
    (root(`permissionsets/${file}`, 'PermissionSet').objectPermissions as Array<Record<string, string>>).find((o) => o.object === object);

  it('lets the bot read requests and publish statuses', () => {
    expect(permission('Cowork_Bot.permissionset-meta.xml', 'Cowork_Request__e')).toMatchObject({ allowRead: 'true', allowCreate: 'false', allowDelete: 'false' });
    expect(permission('Cowork_Bot.permissionset-meta.xml', 'Cowork_Status__e')).toMatchObject({ allowRead: 'true', allowCreate: 'true', allowDelete: 'false' });
  });

  it("lets an agent publish requests and answers, read statuses and run the panel's flows", () => {
    const file = 'Cowork_Agent.permissionset-meta.xml';
    expect(permission(file, 'Cowork_Request__e')).toMatchObject({ allowCreate: 'true' });
    expect(permission(file, 'Cowork_Status__e')).toMatchObject({ allowRead: 'true', allowCreate: 'false' });
    expect(permission(file, 'Use_of_Funds__e')).toMatchObject({ allowCreate: 'true' });
    const flows = (root(`permissionsets/${file}`, 'PermissionSet').flowAccesses as Array<Record<string, string>>).map((f) => f.flow);
    expect(flows.sort()).toEqual(['Answer_Cowork_Form', 'Send_Cowork_Form']);
  });
});
