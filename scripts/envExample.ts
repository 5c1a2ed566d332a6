/**
 * Prints `.env.example` from the configuration's own list of variables, so the two cannot
 * drift apart (a test compares them): `npx tsx scripts/envExample.ts > .env.example`.
 */
import { ALL_VARIABLES } from '../bot/config/config';

export function envExample(): string {
  const lines = [
    '# cowork-bot configuration. Copy to .env and fill in what you need: every variable is optional.',
    '# With no SF_* credentials the bot starts an embedded Salesforce simulator (local development).',
    '# Secrets (marked below) belong in .env or your secret store, never in source control.',
    '',
  ];
  for (const variable of ALL_VARIABLES) {
    lines.push(`# ${variable.description}${variable.secret ? ' [secret]' : ''}`);
    lines.push(`# ${variable.name}=${variable.example}`);
    lines.push('');
  }
  return lines.join('\n');
}

if (require.main === module) process.stdout.write(envExample());
