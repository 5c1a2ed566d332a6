/**
 * The SFDX source a user deploys: every file is a metadata type the Salesforce CLI knows (its own
 * resolver, @salesforce/source-deploy-retrieve), the app, permission set and policies hold what a
 * real org needs, no secret is in source control, and no placeholder run-as user would deploy.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { ForceIgnore, MetadataResolver } from '@salesforce/source-deploy-retrieve';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { CONFIGURE_COMMAND, findPlaceholders, POLICIES_PATH, renderPolicies } from '../../salesforce/runAsPolicy';

const PROJECT = join(__dirname, '../../salesforce');
const SOURCE = join(PROJECT, 'force-app/main/default');
const LEGACY_SOURCE = join(PROJECT, 'legacy-chat/force-app/main/default');
const MESSAGING_SOURCE = join(PROJECT, 'messaging/force-app/main/default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['objectPermissions', 'fieldPermissions'].includes(name) });

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath, f.name));
}

function root(file: string, expected: string): Record<string, unknown> {
  const xml = readFileSync(file, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const element = (parser.parse(xml) as Record<string, unknown>)[expected] as Record<string, unknown> | undefined;
  expect(element).toBeDefined();
  expect(element!['@_xmlns']).toBe(METADATA_NS);
  return element!;
}

describe('Salesforce metadata for the bot', () => {
  it.each([
    ['force-app', SOURCE],
    ['legacy-chat', LEGACY_SOURCE],
    ['messaging', MESSAGING_SOURCE],
  ])('every file of %s resolves to a metadata type the Salesforce CLI knows, named after its folder', (_name, dir) => {
    const resolver = new MetadataResolver();
    const ignore = ForceIgnore.findAndCreate(dir);
    const files = filesUnder(dir).filter((file) => ignore.accepts(file));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const components = resolver.getComponentsFromPath(file);
      expect(components).toHaveLength(1);
      const component = components[0]!;
      // Under the type's folder, named after the component (a field: after itself, inside its object's folder;
      // a bundle's files: inside the bundle's folder).
      const topType = component.parent?.type ?? component.type;
      expect(file.split('/')).toContain(topType.directoryName);
      if (component.xml === file) {
        const ownName = component.parent ? component.fullName.split('.').pop() : component.fullName;
        if (component.type.suffix) expect(basename(file)).toBe(`${ownName}.${component.type.suffix}-meta.xml`);
        else expect(basename(file).startsWith(`${ownName}.`)).toBe(true); // a bundle's own meta file (coworkPanel.js-meta.xml)
        if (component.parent) expect(file.split('/')).toContain(component.parent.fullName);
      } else {
        expect(component.content && file.startsWith(`${component.content}/`)).toBe(true);
      }
    }
  });

  it('ships the permission set: publish/subscribe the event, read and edit every Case; chat access in optional packages', () => {
    const set = root(join(SOURCE, 'permissionsets/Cowork_Bot.permissionset-meta.xml'), 'PermissionSet');
    const objects = set.objectPermissions as Array<Record<string, string>>;
    expect(objects.find((o) => o.object === 'Use_of_Funds__e')).toMatchObject({ allowCreate: 'true', allowRead: 'true', allowDelete: 'false' });
    // Under a Private sharing model the bot must see and update agents' and queues' Cases.
    expect(objects.find((o) => o.object === 'Case')).toMatchObject({
      allowRead: 'true',
      allowEdit: 'true',
      viewAllRecords: 'true',
      modifyAllRecords: 'true',
      allowCreate: 'false',
    });
    // The chat objects exist only where their feature is on: their access is in optional packages, so
    // an org without Messaging (or legacy Chat) still deploys force-app.
    expect(objects.find((o) => o.object === 'MessagingSession')).toBeUndefined();
    expect(objects.find((o) => o.object === 'LiveChatTranscript')).toBeUndefined();
    const messaging = root(join(MESSAGING_SOURCE, 'permissionsets/Cowork_Bot_Messaging.permissionset-meta.xml'), 'PermissionSet');
    expect(messaging.objectPermissions).toEqual([expect.objectContaining({ object: 'MessagingSession', allowRead: 'true', allowEdit: 'false' })]);
    const legacy = root(join(LEGACY_SOURCE, 'permissionsets/Cowork_Bot_Legacy_Chat.permissionset-meta.xml'), 'PermissionSet');
    expect(legacy.objectPermissions).toEqual([expect.objectContaining({ object: 'LiveChatTranscript', allowRead: 'true', allowEdit: 'false' })]);
    expect(set.fieldPermissions).toEqual([{ field: 'Case.Use_of_Funds__c', readable: 'true', editable: 'true' }]);
  });

  it('declares an External Client App whose global OAuth settings enable client credentials, without a consumer key, secret or certificate', () => {
    const app = root(join(SOURCE, 'externalClientApps/Cowork_Bot.eca-meta.xml'), 'ExternalClientApplication');
    expect(app).toMatchObject({ label: 'Cowork Bot', distributionState: 'Local' });
    const oauth = root(join(SOURCE, 'extlClntAppOauthSettings/Cowork_Bot_oauth.ecaOauth-meta.xml'), 'ExtlClntAppOauthSettings');
    expect(oauth.externalClientApplication).toBe('Cowork_Bot');
    expect(String(oauth.commaSeparatedOauthScopes).split(',')).toContain('Api');
    const global = root(join(SOURCE, 'extlClntAppGlobalOauthSets/Cowork_Bot_glbloauth.ecaGlblOauth-meta.xml'), 'ExtlClntAppGlobalOauthSettings');
    expect(global).toMatchObject({ externalClientApplication: 'Cowork_Bot', isClientCredentialsFlowEnabled: 'true' });
    expect(global.callbackUrl).toMatch(/^https:\/\//);
    expect(global).not.toHaveProperty('consumerKey');
    expect(global).not.toHaveProperty('consumerSecret');
    // A JWT certificate is uploaded in Setup and lives in the org; deploys after the first leave this file out.
    expect(global).not.toHaveProperty('certificate');
  });

  it('keeps no consumer key or secret anywhere in source', () => {
    for (const file of [...filesUnder(SOURCE), ...filesUnder(LEGACY_SOURCE), ...filesUnder(join(PROJECT, 'templates'))]) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/<(consumerSecret|consumerKey)>/i);
    }
  });

  it('would not deploy a placeholder run-as user', () => {
    const placeholders = findPlaceholders(PROJECT);
    // A failure here says which file and what to run, e.g. `npm run sf:configure -- --run-as <username>`.
    expect(placeholders.map((p) => `${p.file}: ${p.problem}`)).toEqual([]);
  });

  describe('the run-as user', () => {
    let project: string;
    beforeEach(() => {
      project = mkdtempSync(join(tmpdir(), 'cowork-sfdx-'));
      cpSync(PROJECT, project, { recursive: true });
      rmSync(join(project, POLICIES_PATH), { force: true });
    });
    afterEach(() => rmSync(project, { recursive: true, force: true }));

    it('a placeholder in force-app is found, with the command that fixes it', () => {
      mkdirSync(dirname(join(project, POLICIES_PATH)), { recursive: true });
      writeFileSync(
        join(project, POLICIES_PATH),
        readFileSync(join(project, 'templates/Cowork_Bot_oauthPlcy.ecaOauthPlcy-meta.xml'), 'utf8').replaceAll('{{RUN_AS_USERNAME}}', 'cowork-bot@example.com'),
      );
      const [found, ...rest] = findPlaceholders(project);
      expect(rest).toEqual([]);
      expect(found).toEqual({ file: POLICIES_PATH, problem: expect.stringContaining(CONFIGURE_COMMAND) });
      expect(found?.problem).toContain('"cowork-bot@example.com" is a placeholder');
    });

    it('sf:configure writes deployable policies naming the user, pre-authorising the permission set', () => {
      const output = execFileSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../../scripts/sfConfigure.ts'), '--run-as', 'bot@acme.com'], {
        env: { ...process.env, COWORK_SFDX_PROJECT_DIR: project },
        encoding: 'utf8',
      });
      expect(output).toContain('run-as user bot@acme.com');
      const policies = root(join(project, POLICIES_PATH), 'ExtlClntAppOauthConfigurablePolicies');
      expect(policies).toMatchObject({
        clientCredentialsFlowUser: 'bot@acme.com',
        externalClientApplication: 'Cowork_Bot',
        isClientCredentialsFlowEnabled: 'true',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        commaSeparatedPermissionSet: 'Cowork_Bot',
      });
      expect(findPlaceholders(project)).toEqual([]);
      expect(new MetadataResolver().getComponentsFromPath(join(project, POLICIES_PATH))[0]?.type.name).toBe('ExtlClntAppOauthConfigurablePolicies');
    });

    it.each([['cowork-bot@example.com'], ['not a username'], ['{{RUN_AS_USERNAME}}']])('sf:configure refuses %s', (username) => {
      expect(() => renderPolicies(project, username)).toThrow(/placeholder|not a Salesforce username/);
    });
  });
});
