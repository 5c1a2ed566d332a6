/**
 * The SFDX source a user deploys: well-formed, the roots and fields Salesforce expects, and no
 * secret in source control.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { XMLParser, XMLValidator } from 'fast-xml-parser';

const SOURCE = join(__dirname, '../../salesforce/force-app/main/default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['objectPermissions', 'fieldPermissions'].includes(name) });

function parse(relativePath: string): Record<string, unknown> {
  const xml = readFileSync(join(SOURCE, relativePath), 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Record<string, unknown>;
}

function root(relativePath: string, expected: string): Record<string, unknown> {
  const doc = parse(relativePath);
  const element = doc[expected] as Record<string, unknown> | undefined;
  expect(element).toBeDefined();
  expect(element!['@_xmlns']).toBe(METADATA_NS);
  return element!;
}

describe('Salesforce metadata for the bot', () => {
  it('has a permission set to publish/read the event and read/edit Case.Use_of_Funds__c', () => {
    const set = root('permissionsets/Cowork_Bot.permissionset-meta.xml', 'PermissionSet');
    expect(set.label).toBe('Cowork Bot');
    const objects = set.objectPermissions as Array<Record<string, string>>;
    expect(objects.find((o) => o.object === 'Use_of_Funds__e')).toMatchObject({ allowCreate: 'true', allowRead: 'true', allowDelete: 'false' });
    expect(objects.find((o) => o.object === 'Case')).toMatchObject({ allowRead: 'true', allowEdit: 'true', allowDelete: 'false', modifyAllRecords: 'false' });
    expect(set.fieldPermissions).toEqual([{ field: 'Case.Use_of_Funds__c', readable: 'true', editable: 'true' }]);
  });

  it('declares an External Client App with client credentials enabled', () => {
    const app = root('externalClientApps/Cowork_Bot.eca-meta.xml', 'ExternalClientApplication');
    expect(app).toMatchObject({ label: 'Cowork Bot', distributionState: 'Local' });
    expect(app.contactEmail).toMatch(/@/);
    const oauth = root('extlClntAppOauthSettings/Cowork_Bot_oauth.ecaOauth-meta.xml', 'ExtlClntAppOauthSettings');
    expect(oauth.externalClientApplication).toBe('Cowork_Bot');
    expect(String(oauth.commaSeparatedOauthScopes).split(',')).toContain('Api');
    const policies = root('extlClntAppOauthPolicies/Cowork_Bot_oauthPlcy.ecaOauthPlcy-meta.xml', 'ExtlClntAppOauthConfigurablePolicies');
    expect(policies).toMatchObject({ externalClientApplication: 'Cowork_Bot', isClientCredentialsFlowEnabled: 'true', permittedUsersPolicyType: 'AdminApprovedPreAuthorized' });
    expect(policies.clientCredentialsFlowUser).toMatch(/@/);
  });

  it('keeps no consumer key or secret in source', () => {
    const files = readdirSync(SOURCE, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.some((f) => f.name.endsWith('.ecaGlblOauth-meta.xml'))).toBe(false);
    for (const file of files) {
      expect(readFileSync(join(file.parentPath, file.name), 'utf8')).not.toMatch(/<(consumerSecret|consumerKey)>/i);
    }
  });
});
