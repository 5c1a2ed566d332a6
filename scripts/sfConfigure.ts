/**
 * `npm run sf:configure -- --run-as <username>`
 *
 * Writes the External Client App's OAuth policies for your org into
 * `salesforce/force-app/main/default/extlClntAppOauthPolicies/`, naming `<username>` (your
 * integration user: API Only, with the Cowork_Bot permission set) as the client-credentials run-as
 * user. Run it before `sf project deploy start`; the file is ignored by git.
 */
import path from 'node:path';

import { CONFIGURE_COMMAND, INTEGRATION_PSL, runAsProblem, writePolicies } from '../salesforce/runAsPolicy';
import { projectRoot } from '../simulator/projectRoot';

function fail(message: string): never {
  process.stderr.write(`${message}\nUsage: ${CONFIGURE_COMMAND}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `Usage: ${CONFIGURE_COMMAND}\n` +
      "Writes the External Client App's OAuth policies (salesforce/force-app/main/default/extlClntAppOauthPolicies/, ignored by git)\n" +
      'with <username> as the client-credentials run-as user: your integration user (API Only, Cowork_Bot permission set). Run it before deploying.\n',
  );
  process.exit(0);
}
let runAs: string | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--run-as') runAs = args[++i];
  else if (arg.startsWith('--run-as=')) runAs = arg.slice('--run-as='.length);
  else fail(`Unknown argument: ${arg}`);
}
if (runAs === undefined || runAs.trim() === '') fail('--run-as <username> is required: the username of the integration user the bot runs as.');
const problem = runAsProblem(runAs.trim());
if (problem) fail(problem);

// COWORK_SFDX_PROJECT_DIR: another SFDX project than the repository's `salesforce/` (tests use a copy).
const projectDir = process.env.COWORK_SFDX_PROJECT_DIR ?? path.join(projectRoot(), 'salesforce');
const file = writePolicies(projectDir, runAs.trim());
const user = runAs.trim();
process.stdout.write(
  [
    `Wrote ${path.relative(process.cwd(), file)} (run-as user ${user}).`,
    'Next (docs/SALESFORCE.md, steps 4-6):',
    '  cd salesforce && sf project deploy start --target-org <alias>',
    // A "Salesforce Integration" user: its permission sets grant no object access without this licence.
    `  sf org assign permsetlicense --name ${INTEGRATION_PSL} --on-behalf-of ${user} --target-org <alias>`,
    `  sf org assign permset --name Cowork_Bot --on-behalf-of ${user} --target-org <alias>`,
    '  With Messaging enabled: (cd messaging && sf project deploy start --target-org <alias>), then assign Cowork_Bot_Messaging the same way.',
    '',
  ].join('\n'),
);
