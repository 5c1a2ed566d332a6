/**
 * Redeploying is safe: every deploy after the first goes through salesforce/manifest/redeploy.xml,
 * which the Salesforce CLI resolves (its own library, @salesforce/source-deploy-retrieve, as
 * `sf project deploy start --manifest` does) to everything force-app holds except the app's global
 * OAuth settings. A deploy overwrites what it names, so leaving them out is what keeps the org's
 * JWT certificate and OAuth switches, and its generated consumer key and secret, as they are.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ComponentSet, type SourceComponent } from '@salesforce/source-deploy-retrieve';

import { writePolicies } from '../../salesforce/runAsPolicy';

const PROJECT = join(__dirname, '../../salesforce');
const MANIFEST = 'manifest/redeploy.xml';
const GLOBAL_OAUTH = 'ExtlClntAppGlobalOauthSettings';
const REDEPLOY_COMMAND = `sf project deploy start --manifest ${MANIFEST}`;

/** The package directories sfdx-project.json names: where the CLI resolves a manifest's members. */
function packageDirs(project: string): string[] {
  const config = JSON.parse(readFileSync(join(project, 'sfdx-project.json'), 'utf8')) as { packageDirectories: Array<{ path: string }> };
  return config.packageDirectories.map((dir) => join(project, dir.path));
}

/** `Type:Name` of each component and of each child it carries (an object's fields). */
function names(components: SourceComponent[]): string[] {
  return components.flatMap((c) => [c, ...c.getChildren()].map((k) => `${k.type.name}:${k.fullName}`)).sort();
}

/** Every file a deploy of these components would send. */
function files(components: SourceComponent[]): string[] {
  return components.flatMap((c) => [c.xml, ...c.walkContent()].filter((f): f is string => f !== undefined));
}

describe('redeploying the Salesforce source', () => {
  let project: string;
  let firstDeploy: SourceComponent[];
  let redeploy: ComponentSet;

  beforeAll(async () => {
    // The project as an admin has it before deploying: sf:configure has written the policies.
    project = mkdtempSync(join(tmpdir(), 'cowork-redeploy-'));
    cpSync(PROJECT, project, { recursive: true });
    writePolicies(project, 'cowork-bot@acme.com');
    // `sf project deploy start --source-dir force-app` (the first deploy).
    firstDeploy = ComponentSet.fromSource(join(project, 'force-app')).getSourceComponents().toArray();
    // `sf project deploy start --manifest manifest/redeploy.xml` (every later one).
    redeploy = await ComponentSet.fromManifest({ manifestPath: join(project, MANIFEST), resolveSourcePaths: packageDirs(project) });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('the first deploy carries the global OAuth settings (they switch the client credentials flow on)', () => {
    expect(names(firstDeploy)).toContain(`${GLOBAL_OAUTH}:Cowork_Bot_glbloauth`);
  });

  it('a later deploy through the manifest carries every component of force-app except the global OAuth settings', () => {
    const deployed = names(redeploy.getSourceComponents().toArray());
    expect(deployed.filter((name) => name.startsWith(`${GLOBAL_OAUTH}:`))).toEqual([]);
    // A new type in force-app that the manifest forgets fails here, naming it.
    expect(deployed).toEqual(names(firstDeploy).filter((name) => !name.startsWith(`${GLOBAL_OAUTH}:`)));
    expect(deployed).toContain('ExtlClntAppOauthConfigurablePolicies:Cowork_Bot_oauthPlcy');
  });

  it('the package.xml the CLI sends with a later deploy does not name the global OAuth settings', async () => {
    const manifest = await redeploy.getObject();
    expect(manifest.Package.types.map((t) => t.name)).not.toContain(GLOBAL_OAUTH);
    expect(manifest.Package.types.length).toBeGreaterThan(0);
  });

  it('no file a later deploy sends holds a certificate, a consumer key or a consumer secret', () => {
    const sent = files(redeploy.getSourceComponents().toArray());
    expect(sent.length).toBeGreaterThan(0);
    for (const file of sent)
      expect([file, readFileSync(file, 'utf8')]).not.toEqual([file, expect.stringMatching(/<(certificate|consumerKey|consumerSecret)>/i)]);
  });

  it('docs/SALESFORCE.md gives the redeploy command, with the manifest it names', () => {
    const doc = readFileSync(join(__dirname, '../../docs/SALESFORCE.md'), 'utf8');
    const commands = doc.split('\n').filter((line) => line.includes('sf project deploy start --manifest'));
    expect(commands).toEqual([expect.stringContaining(REDEPLOY_COMMAND)]);
  });
});
