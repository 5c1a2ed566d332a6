/**
 * The External Client App's OAuth policies name the org's run-as user, which differs per org, so the
 * file is not kept in source: `npm run sf:configure -- --run-as <username>` writes it from
 * `salesforce/templates/` into `force-app`, where a deploy picks it up. A placeholder must never
 * deploy (a real org refuses an unknown user): `findPlaceholders` is what the test suite and the
 * simulator's deploy check.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const POLICIES_FILE = 'Cowork_Bot_oauthPlcy.ecaOauthPlcy-meta.xml';
/** Where the deployable policies go, relative to the SFDX project (`salesforce/`). */
export const POLICIES_PATH = path.join('force-app', 'main', 'default', 'extlClntAppOauthPolicies', POLICIES_FILE);
export const TEMPLATE_PATH = path.join('templates', POLICIES_FILE);
export const RUN_AS_TOKEN = '{{RUN_AS_USERNAME}}';
export const CONFIGURE_COMMAND = 'npm run sf:configure -- --run-as <username>';

/** Usernames that stand for "someone's real user" in docs and examples, and never are one. */
const PLACEHOLDER_USER = /\{\{[A-Z_]+\}\}|@example\.(?:com|org|net)$|^cowork-bot@mycompany\.com$/i;
/** A Salesforce username: email-shaped, at most 80 characters. */
const USERNAME = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** Why `username` cannot be the run-as user, or `undefined` when it can. */
export function runAsProblem(username: string): string | undefined {
  if (!USERNAME.test(username) || username.length > 80) return `"${username}" is not a Salesforce username (an email-shaped name of at most 80 characters)`;
  if (PLACEHOLDER_USER.test(username)) return `"${username}" is a placeholder, not a user of your org`;
  return undefined;
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** The policies file for `username`, from the template. */
export function renderPolicies(projectDir: string, username: string): string {
  const problem = runAsProblem(username);
  if (problem) throw new Error(problem);
  const template = readFileSync(path.join(projectDir, TEMPLATE_PATH), 'utf8');
  if (!template.includes(RUN_AS_TOKEN)) throw new Error(`${TEMPLATE_PATH} has no ${RUN_AS_TOKEN} to replace`);
  return template
    .replace(/<!--[\s\S]*?-->\n?/, `<!-- Written by \`${CONFIGURE_COMMAND}\`: the run-as user of this org. Not kept in source control. -->\n`)
    .replace(RUN_AS_TOKEN, xmlEscape(username));
}

/** Writes the deployable policies; returns the file written. */
export function writePolicies(projectDir: string, username: string): string {
  const xml = renderPolicies(projectDir, username);
  const file = path.join(projectDir, POLICIES_PATH);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, xml);
  return file;
}

export interface Placeholder {
  file: string;
  problem: string;
}

/**
 * Every place in the deployable source (`force-app`) that still holds a placeholder run-as user,
 * each with a message saying what to run. Empty when nothing would deploy a placeholder (including
 * when the policies were not written yet: then nothing of them deploys).
 */
export function findPlaceholders(projectDir: string): Placeholder[] {
  const root = path.join(projectDir, 'force-app');
  if (!existsSync(root)) return [];
  const found: Placeholder[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const xml = readFileSync(file, 'utf8');
    const user = /<clientCredentialsFlowUser>([^<]*)<\/clientCredentialsFlowUser>/.exec(xml)?.[1]?.trim();
    const problem = user !== undefined ? runAsProblem(user) : xml.includes(RUN_AS_TOKEN) ? `${RUN_AS_TOKEN} was never replaced` : undefined;
    if (problem) {
      found.push({
        file: path.relative(projectDir, file),
        problem: `${problem}: run \`${CONFIGURE_COMMAND}\` with your org's integration user before deploying`,
      });
    }
  }
  return found;
}

/** The run-as user the deployable policies name, if `sf:configure` wrote them. */
export function configuredRunAs(projectDir: string): string | undefined {
  const file = path.join(projectDir, POLICIES_PATH);
  if (!existsSync(file)) return undefined;
  return /<clientCredentialsFlowUser>([^<]*)<\/clientCredentialsFlowUser>/.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
}

/**
 * The "Salesforce API Integration" permission set licence, by developer name. A user with the
 * "Salesforce Integration" user licence needs it before any permission set can grant it standard or
 * custom object access (Help: "Give Integration Users API Only Access"); assigned with
 * `sf org assign permsetlicense --name SalesforceAPIIntegrationPsl --on-behalf-of <user>`.
 */
export const INTEGRATION_PSL = 'SalesforceAPIIntegrationPsl';
