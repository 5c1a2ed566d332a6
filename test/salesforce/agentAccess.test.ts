/**
 * What an agent needs to use the panel is derived from the metadata itself: the panel's
 * `@salesforce/schema` imports (read on the object and field-level read on each field), the flows it
 * and the Quick Action run (flow access; create and read on every object a flow creates, read on
 * what it looks up, edit on what it updates), and the Quick Action's object. Cowork_Agent must grant
 * all of it: a deployed custom field is invisible to everyone until a permission set grants it.
 * Then the simulator serves the agent with exactly those permissions, field-level security included.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseMetadataXml, childOf, childrenOf, textOf, type XmlElement } from '../../simulator/metadataXml';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

const SOURCE = join(__dirname, '../../salesforce/force-app/main/default');

function xml(relative: string): XmlElement {
  const parsed = parseMetadataXml(readFileSync(join(SOURCE, relative), 'utf8'));
  if ('error' in parsed) throw new Error(`${relative}: ${parsed.error}`);
  return parsed.root;
}

type Need =
  { kind: 'object'; object: string; access: 'allowRead' | 'allowCreate' | 'allowEdit' } | { kind: 'field'; field: string } | { kind: 'flow'; flow: string };

/** Everything the panel, its flows and the Quick Action touch, read from their files. */
function agentNeeds(): Need[] {
  const needs: Need[] = [];
  const flows = new Set<string>();
  const knownFlows = readdirSync(join(SOURCE, 'flows')).map((f) => f.replace('.flow-meta.xml', ''));
  for (const bundle of readdirSync(join(SOURCE, 'lwc'))) {
    const js = readFileSync(join(SOURCE, 'lwc', bundle, `${bundle}.js`), 'utf8');
    for (const [, path = ''] of js.matchAll(/from\s+['"]@salesforce\/schema\/([^'"]+)['"]/g)) {
      const [object = '', field] = path.split('.');
      needs.push({ kind: 'object', object, access: 'allowRead' });
      if (field) needs.push({ kind: 'field', field: `${object}.${field}` });
    }
    // Flows the component starts (lightning-flow's flow-api-name): every flow name its code spells.
    for (const flow of knownFlows) if (js.includes(`'${flow}'`)) flows.add(flow);
  }
  for (const file of readdirSync(join(SOURCE, 'quickActions'))) {
    const action = xml(`quickActions/${file}`);
    needs.push({ kind: 'object', object: file.split('.')[0] ?? '', access: 'allowRead' });
    const flow = textOf(action, 'flowDefinition');
    if (flow) flows.add(flow);
  }
  for (const flow of flows) {
    needs.push({ kind: 'flow', flow });
    const root = xml(`flows/${flow}.flow-meta.xml`);
    const objectOf = (e: XmlElement): string => textOf(e, 'object') ?? '';
    for (const create of childrenOf(root, 'recordCreates')) {
      // Create = publish for a platform event; read on what one creates, so the agent can see it (the rule).
      needs.push({ kind: 'object', object: objectOf(create), access: 'allowCreate' }, { kind: 'object', object: objectOf(create), access: 'allowRead' });
    }
    for (const lookup of childrenOf(root, 'recordLookups')) {
      needs.push({ kind: 'object', object: objectOf(lookup), access: 'allowRead' });
      for (const field of childrenOf(lookup, 'queriedFields')) needs.push({ kind: 'field', field: `${objectOf(lookup)}.${field.text}` });
    }
    for (const update of childrenOf(root, 'recordUpdates')) needs.push({ kind: 'object', object: objectOf(update), access: 'allowEdit' });
  }
  return needs;
}

function grants(set: XmlElement, need: Need): boolean {
  if (need.kind === 'flow') return childrenOf(set, 'flowAccesses').some((f) => textOf(f, 'flow') === need.flow && textOf(f, 'enabled') === 'true');
  if (need.kind === 'field') return childrenOf(set, 'fieldPermissions').some((f) => textOf(f, 'field') === need.field && textOf(f, 'readable') === 'true');
  const entry = childrenOf(set, 'objectPermissions').find((o) => textOf(o, 'object') === need.object);
  return entry !== undefined && textOf(entry, need.access) === 'true';
}

/** Platform event fields have no field-level security: only sobject fields need a grant. */
const isEventField = (need: Need): boolean => need.kind === 'field' && need.field.split('.')[0]!.endsWith('__e');

describe('Cowork_Agent grants what the panel, its flows and the Quick Action use', () => {
  const needs = agentNeeds();

  it('finds the needs in the metadata (the panel reads Case.Use_of_Funds__c, its flows publish two events)', () => {
    expect(needs).toEqual(
      expect.arrayContaining([
        { kind: 'field', field: 'Case.Use_of_Funds__c' },
        { kind: 'flow', flow: 'Answer_Cowork_Form' },
        { kind: 'flow', flow: 'Send_Cowork_Form' },
      ]),
    );
    expect(needs.filter((n) => n.kind === 'object' && n.access === 'allowCreate').map((n) => n.kind === 'object' && n.object)).toEqual(
      expect.arrayContaining(['Cowork_Request__e', 'Use_of_Funds__e']),
    );
  });

  it('every one of them is granted by Cowork_Agent', () => {
    const set = xml('permissionsets/Cowork_Agent.permissionset-meta.xml');
    const missing = needs.filter((need) => !isEventField(need) && !grants(set, need));
    expect(missing).toEqual([]);
    expect(childOf(set, 'label')?.text).toBe('Cowork Agent');
  });
});

describe('the simulator serves the agent with its own permissions, field-level security included', () => {
  const running: RunningSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.stop()));
  });
  const copies: string[] = [];
  afterAll(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });
  async function start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const sim = await startSimulator(options);
    running.push(sim);
    return sim;
  }
  /** What the panel's flow does: publish the event as the agent (the simulator's control API, `?as=agent`). */
  const publishAsAgent = (sim: RunningSimulator, event: string, body: object): Promise<{ status: number; json: unknown }> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${sim.loginUrl}/__simulator/events/${event}?as=agent`,
        { method: 'POST', ca: sim.caCert, headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });

  it('with Cowork_Agent: the answer field and its choices are visible, and the agent can publish an answer', async () => {
    const sim = await start();
    const caseId = sim.seed.cases[0]!.id;
    const rows = sim.org.query(`SELECT Id, Use_of_Funds__c FROM Case WHERE Id = '${caseId}'`, 'agent');
    expect(rows.records).toHaveLength(1);
    expect(sim.org.modelFor('agent').find('Case')?.fieldsByLowerName.get('use_of_funds__c')?.picklistValues.length).toBeGreaterThan(0);
    const answer = await publishAsAgent(sim, 'Use_of_Funds__e', { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education' });
    expect(answer.status).toBe(201);
  });

  it('without a grant on Case.Use_of_Funds__c the agent does not see the field; without Cowork_Agent it cannot publish', async () => {
    // Cowork_Agent as it was before issue 23: no fieldPermissions.
    const dir = mkdtempSync(join(tmpdir(), 'cowork-agent-'));
    copies.push(dir);
    cpSync(join(SOURCE, '../../..'), dir, { recursive: true });
    const file = join(dir, 'force-app/main/default/permissionsets/Cowork_Agent.permissionset-meta.xml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\s*<fieldPermissions>[\s\S]*?<\/fieldPermissions>/, ''));
    const sim = await start({ sfdxProjectDir: dir });
    const caseId = sim.seed.cases[0]!.id;
    // Salesforce answers a field without field-level security as one that does not exist.
    expect(() => sim.org.query(`SELECT Id, Use_of_Funds__c FROM Case WHERE Id = '${caseId}'`, 'agent')).toThrow(/No such column 'Use_of_Funds__c'/);
    expect(sim.org.modelFor('agent').find('Case')?.fieldsByLowerName.get('use_of_funds__c')).toBeUndefined();
    const unassigned = await start({ agentPermissionSets: [] });
    const answer = await publishAsAgent(unassigned, 'Use_of_Funds__e', { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education' });
    // An object the user has no access to does not exist for them.
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
  });
});
