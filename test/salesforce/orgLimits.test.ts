/**
 * The event allocations come from the org's /limits (DailyDeliveredPlatformEvents,
 * HourlyPublishedPlatformEvents), not from a default: what /healthz shows as used / allowed, and
 * what the delivery meter warns against. The resource needs View Setup and Configuration.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SalesforceOrg } from '../../salesforce';
import type { RunningSimulator } from '../../simulator';
import { RecordingLog } from '../harness/recordingLog';
import { connect, startTestSimulator } from './harness';

const PROJECT = join(__dirname, '../../salesforce');
const running: RunningSimulator[] = [];
const orgs: SalesforceOrg[] = [];
const copies: string[] = [];
afterEach(async () => {
  await Promise.all(orgs.splice(0).map((o) => o.close()));
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function orgOn(options: Parameters<typeof startTestSimulator>[0], log = new RecordingLog()): Promise<{ sim: RunningSimulator; org: SalesforceOrg }> {
  const sim = await startTestSimulator(options);
  running.push(sim);
  const org = await connect(sim, { deps: { log } });
  orgs.push(org);
  return { sim, org };
}

describe("the org's event allocations", () => {
  it('are read from /limits: used / allowed for deliveries (24 h) and publishes (1 h)', async () => {
    const { sim, org } = await orgOn({ deliveryAllocationPerDay: 1234 });
    sim.org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Education' });
    const detail = (await org.health()).detail;
    expect(detail.eventAllocations).toMatchObject({
      source: 'org',
      deliveredLast24h: { used: 0, allowed: 1234 },
      publishedLastHour: { used: expect.any(Number), allowed: 250_000 },
    });
  });

  it('the delivery meter warns against the figure the org reports, not the configured default', async () => {
    const { org } = await orgOn({ deliveryAllocationPerDay: 2 });
    await org.eventBus.subscribe('/event/Use_of_Funds__e', async () => undefined);
    const deliveries = (await org.health()).detail.subscriptions[0]?.deliveries;
    // The configured default is 50,000; the org says 2.
    expect(deliveries).toMatchObject({ allocationPerDay: 2 });
  });

  it('without View Setup and Configuration: not read, the configured allocation stays, and that is said once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cowork-limits-'));
    copies.push(dir);
    cpSync(PROJECT, dir, { recursive: true });
    const file = join(dir, 'force-app/main/default/permissionsets/Cowork_Bot.permissionset-meta.xml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\s*<userPermissions>[\s\S]*?<\/userPermissions>/, ''));
    const log = new RecordingLog();
    const { org } = await orgOn({ sfdxProjectDir: dir }, log);
    await org.health();
    expect((await org.health()).detail.eventAllocations).toEqual({ source: 'configured' });
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.msg.includes('/limits'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/grant the integration user View Setup and Configuration/);
  });
});
