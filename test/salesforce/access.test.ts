/**
 * The bot's adapter against a simulator that gives the integration user exactly what the shipped
 * permission set gives, under a Private sharing model for Case: what a real org would refuse, the
 * bot meets here first. Through the real jsforce (and the bot's own REST wrapper).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PermanentCaseError } from '../../cowork/ports';
import { simulatorConfig } from '../../salesforce';
import { CHAT_OBJECT_RECHECK_MS, SalesforceCaseStore } from '../../salesforce/caseStore';
import { SalesforceSession } from '../../salesforce/connection';
import { RestApi } from '../../salesforce/restApi';
import { POLICIES_PATH } from '../../salesforce/runAsPolicy';
import type { RunningSimulator, SimulatorOptions } from '../../simulator';
import { RecordingLog } from '../harness/recordingLog';
import { connect, FAST, startTestSimulator } from './harness';

const PROJECT = join(__dirname, '../../salesforce');
const PERMISSION_SET = 'force-app/main/default/permissionsets/Cowork_Bot.permissionset-meta.xml';

const running: RunningSimulator[] = [];
const copies: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startTestSimulator(options);
  running.push(sim);
  return sim;
}

/** A copy of salesforce/ whose Cowork_Bot permission set is edited (e.g. as it was before a fix). */
function projectWith(edit: (permissionSet: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-access-'));
  copies.push(dir);
  cpSync(PROJECT, dir, { recursive: true });
  rmSync(join(dir, POLICIES_PATH), { force: true });
  const file = join(dir, PERMISSION_SET);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

/** A case store over the bot's real session and REST wrapper, with a clock the test moves. */
async function caseStoreOn(sim: RunningSimulator, log: RecordingLog): Promise<{ store: SalesforceCaseStore; clock: { now: number } }> {
  const config = simulatorConfig(sim);
  const session = await SalesforceSession.open(config, log);
  const clock = { now: Date.now() };
  return { store: new SalesforceCaseStore(new RestApi(session.connection, config.apiVersion, log, FAST.retry), () => clock.now, log), clock };
}

describe('the shipped permission set, as the simulator enforces it', () => {
  it('lets the bot find every seeded Case (owned by agents, Private sharing), its chat session, and update it', async () => {
    const sim = await start();
    const org = await connect(sim);
    try {
      for (const seeded of sim.seed.cases) {
        expect(sim.org.getRecord('Case', seeded.id)?.OwnerId).toBe(sim.agentUserId);
        expect(await org.caseStore.findCase(seeded.caseNumber)).toMatchObject({ id: seeded.id });
        expect(await org.caseStore.findChatSession(seeded.id)).toEqual(seeded.chatSession);
      }
      const seeded = sim.seed.cases[0]!;
      expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Education' })).toEqual({ changed: true });
      expect(sim.org.getRecord('Case', seeded.id)?.Use_of_Funds__c).toBe('Education');
    } finally {
      await org.close();
    }
  });

  it("without View All and Modify All on Case, an agent's Case is invisible under Private sharing (as before the fix)", async () => {
    const narrow = projectWith((xml) =>
      xml
        .replace(/<allowDelete>true<\/allowDelete>/, '<allowDelete>false</allowDelete>')
        .replace(/<modifyAllRecords>true</, '<modifyAllRecords>false<')
        .replace(/<viewAllRecords>true</, '<viewAllRecords>false<'),
    );
    const sim = await start({ sfdxProjectDir: narrow });
    const log = new RecordingLog();
    const org = await connect(sim, { deps: { log } });
    try {
      expect(await org.caseStore.findCase(sim.seed.cases[0]!.caseNumber)).toBeUndefined();
      // Looked up by number (a customer's typing), the log names sharing as a possible cause too.
      expect(log.find((e) => e.fields.caseNumber === sim.seed.cases[0]!.caseNumber)?.msg).toMatch(/sharing hides it.*Cowork_Bot/);
      // Looked up by Id (what a start token carries), the log says sharing may be why.
      expect(await org.caseStore.findCase(sim.seed.cases[0]!.id)).toBeUndefined();
      expect(log.find((e) => e.level === 'warn' && e.fields.caseId === sim.seed.cases[0]!.id)?.msg).toMatch(/sharing hides it.*Cowork_Bot/);
      // A Case the integration user owns stays visible.
      const own = sim.org.createRecord('Case', { Subject: 'Mine', Status: 'New', OwnerId: sim.userId });
      expect(await org.caseStore.findCase(own.Id)).toMatchObject({ id: own.Id });
    } finally {
      await org.close();
    }
  });

  it('with View All but not Modify All, the update is refused as an access problem, not as a bad answer', async () => {
    const readOnly = projectWith((xml) =>
      xml.replace(/<allowDelete>true<\/allowDelete>/, '<allowDelete>false</allowDelete>').replace(/<modifyAllRecords>true</, '<modifyAllRecords>false<'),
    );
    const sim = await start({ sfdxProjectDir: readOnly });
    const org = await connect(sim);
    try {
      const seeded = sim.seed.cases[0]!;
      expect(await org.caseStore.findCase(seeded.id)).toMatchObject({ id: seeded.id });
      const refused = org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Other' });
      await expect(refused).rejects.toBeInstanceOf(PermanentCaseError);
      await expect(refused).rejects.toMatchObject({ errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: expect.stringContaining('cannot edit it') });
      expect(sim.org.getRecord('Case', seeded.id)?.Use_of_Funds__c).toBeNull();
    } finally {
      await org.close();
    }
  });

  it('without read on MessagingSession: logged once with what to enable, the package to deploy and its permission set, and asked again later', async () => {
    // salesforce/messaging is deployed (Messaging is on) but its permission set is not assigned yet.
    const sim = await start({ permissionSets: ['Cowork_Bot', 'Cowork_Bot_Legacy_Chat'] });
    const log = new RecordingLog();
    const { store, clock } = await caseStoreOn(sim, log);
    const messaging = sim.seed.cases.find((c) => c.chatSession?.objectType === 'MessagingSession')!;
    const other = sim.seed.cases.filter((c) => c.chatSession?.objectType === 'MessagingSession')[1]!;

    expect(await store.findChatSession(messaging.id)).toBeUndefined();
    expect(await store.findChatSession(other.id)).toBeUndefined();
    // The one-read path (the Case with its chat subqueries) finds the Case, without a chat link.
    expect(await store.findCase(other.id)).toMatchObject({ id: other.id, chatSession: null });
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.fields.objectType === 'MessagingSession');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('enable Messaging');
    expect(warnings[0]!.msg).toContain('deploy salesforce/messaging');
    expect(warnings[0]!.msg).toContain('Cowork_Bot_Messaging permission set');

    // An admin grants the access; the bot notices on its next look after the recheck interval.
    sim.org.assignPermissionSets(['Cowork_Bot', 'Cowork_Bot_Legacy_Chat', 'Cowork_Bot_Messaging']);
    expect(await store.findChatSession(messaging.id)).toBeUndefined();
    clock.now += CHAT_OBJECT_RECHECK_MS + 1;
    expect(await store.findChatSession(messaging.id)).toEqual(messaging.chatSession);
    expect(await store.findCase(other.id)).toMatchObject({ id: other.id, chatSession: other.chatSession });
  });

  it('with Messaging off (SIMULATOR_MESSAGING=off): force-app deployed, the messaging package refused, and the bot says once what to enable and deploy', async () => {
    const sim = await start({ messaging: false });
    const log = new RecordingLog();
    const { store } = await caseStoreOn(sim, log);
    const kase = sim.seed.cases.find((c) => c.chatSession === null)!;
    expect(await store.findCase(kase.id)).toMatchObject({ id: kase.id, chatSession: null });
    expect(await store.findChatSession(kase.id)).toBeUndefined();
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.fields.objectType === 'MessagingSession');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/enable Messaging .*deploy salesforce\/messaging/);
  });

  it("legacy Chat without its optional package: the transcript's Case has no chat session, Enhanced Chat still works", async () => {
    const sim = await start({ legacyChat: false });
    const log = new RecordingLog();
    const { store } = await caseStoreOn(sim, log);
    const legacy = sim.seed.cases.find((c) => c.chatSession?.objectType === 'LiveChatTranscript')!;
    const messaging = sim.seed.cases.find((c) => c.chatSession?.objectType === 'MessagingSession')!;
    expect(await store.findChatSession(legacy.id)).toBeUndefined();
    expect(await store.findChatSession(messaging.id)).toEqual(messaging.chatSession);
    expect(log.find((e) => e.fields.objectType === 'LiveChatTranscript')?.level).toBe('info');
  });
});
