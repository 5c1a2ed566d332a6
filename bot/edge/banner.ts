/**
 * What a developer needs on start: where to point the Emulator, which Salesforce this is, and
 * how to start a co-work session. Plain text, no secrets (the simulator's dev client secret is
 * local and printed by the standalone simulator only).
 */
import type { BotConfig } from '../config/config';

/** What the banner tells of a running bot, whichever host runs it (`RunningBot` has it). */
export interface BannerFacts {
  url: string;
  simulator: { instanceUrl: string; pubSubEndpoint: string; seed: { cases: readonly SeedCase[] } } | undefined;
  salesforce: { describe(): { instanceUrl: string } };
}

type SeedCase = { id: string; caseNumber: string; subject: string; chatSession: { objectType: string } | null };

export function startupBanner(config: BotConfig, bot: BannerFacts): string {
  const endpoint = `${bot.url}/api/messages`;
  const lines = [
    '',
    'cowork-bot is running',
    '  Try it: npm run playground in a second terminal (Microsoft 365 Agents Playground, http://localhost:56150 by default)',
    `  Bot Framework Emulator: Open Bot → Bot URL ${endpoint}`,
    config.microsoftApp.id
      ? `  Channel authentication: on (MicrosoftAppId ${config.microsoftApp.id})`
      : '  Channel authentication: off (leave Microsoft App ID and password empty in the Emulator)',
    `  Health: ${bot.url}/healthz`,
    config.storage.kind === 'memory'
      ? '  Storage: in memory — sessions and answers not yet written to the Case are LOST when the bot stops; one instance only (STORAGE=blob for durable sessions)'
      : config.storage.kind === 'table'
        ? `  Storage: Azure Table storage, table ${config.storage.table}`
        : `  Storage: Azure Blob Storage, container ${config.storage.container}`,
  ];
  if (bot.simulator) {
    lines.push(`  Salesforce: embedded simulator at ${bot.simulator.instanceUrl} (Pub/Sub ${bot.simulator.pubSubEndpoint})`);
    const cases = bot.simulator.seed.cases;
    if (cases.length > 0) {
      lines.push('  Seed Cases:');
      for (const c of cases) lines.push(`    ${c.caseNumber}  ${c.id}  ${c.subject}  (${c.chatSession?.objectType ?? 'no chat'})`);
    }
  } else {
    lines.push(`  Salesforce: org at ${bot.salesforce.describe().instanceUrl}`);
  }
  if (config.devCommands) {
    const example = bot.simulator?.seed.cases[0]?.caseNumber ?? '00001026';
    lines.push(`  Start a co-work session: type /cowork ${example} in the chat`);
  } else {
    lines.push('  Start a co-work session: send a cowork.start event with a signed token (npm run token -- <Case>)');
  }
  lines.push('');
  return lines.join('\n') + '\n';
}
