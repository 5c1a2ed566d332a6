/**
 * `npm run token -- <Case Id> --user <channel user id> --conversation <conversation id> [--ttl <seconds>]`
 *
 * Mints a signed cowork.start token for local testing, with COWORK_START_SECRET from the
 * environment or `.env`. The token is bound to one conversation (`conv`): the bot refuses it in
 * any other. It lives `--ttl` seconds (default and maximum: COWORK_START_TOKEN_MAX_MINUTES,
 * 15 minutes unless configured). Send it to the bot as an event activity:
 *   { "type": "event", "name": "cowork.start", "value": { "token": "<printed token>" } }
 */
import 'dotenv/config';
import { DEFAULT_START_TOKEN_MAX_MINUTES, mintStartToken } from '../bot/turn/startToken';
import { KEY_PREFIX, normalizeId } from '../util/salesforceId';

const USAGE = 'Usage: npm run token -- <Case Id> --user <channel user id> --conversation <conversation id> [--ttl <seconds>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `${USAGE}\n` +
      'Mints a cowork.start token signed with COWORK_START_SECRET (environment or .env; at least 32 characters,\n' +
      'e.g. from `openssl rand -base64 48`). The token is for that channel user (sub) and bound to that one\n' +
      'conversation (conv): the bot refuses it in any other. It lives --ttl seconds, at most\n' +
      `COWORK_START_TOKEN_MAX_MINUTES (default ${DEFAULT_START_TOKEN_MAX_MINUTES}). Send it as an event activity:\n` +
      '  { "type": "event", "name": "cowork.start", "value": { "token": "<printed token>" } }\n',
  );
  process.exit(0);
}
const positional: string[] = [];
const flags: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg.startsWith('--')) {
    const value = args[i + 1];
    if (value === undefined) fail(`${arg} needs a value`);
    flags[arg.slice(2)] = value;
    i++;
  } else positional.push(arg);
}

const secret = process.env.COWORK_START_SECRET?.trim();
if (!secret || secret.length < 32)
  fail('COWORK_START_SECRET must be set (at least 32 characters, e.g. from `openssl rand -base64 48`), in the environment or .env');
const caseId = normalizeId(positional[0] ?? '');
if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) fail(`"${positional[0] ?? ''}" is not a Case Id (15 or 18 characters starting with 500)`);
const user = flags.user;
if (!user) fail("--user is required: the channel user id the token is for (the Emulator shows it in the activity's from.id)");
const conversation = flags.conversation;
if (!conversation) fail("--conversation is required: the conversation id the token may be used in (the Emulator shows it in the activity's conversation.id)");
const maxMinutesRaw = process.env.COWORK_START_TOKEN_MAX_MINUTES?.trim() || String(DEFAULT_START_TOKEN_MAX_MINUTES);
const maxSeconds = Number(maxMinutesRaw) * 60;
if (!Number.isInteger(maxSeconds) || maxSeconds <= 0) fail(`COWORK_START_TOKEN_MAX_MINUTES must be a whole number of minutes, got "${maxMinutesRaw}"`);
const ttl = Number(flags.ttl ?? String(maxSeconds));
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > maxSeconds)
  fail(`--ttl must be a whole number of seconds between 1 and ${maxSeconds} (COWORK_START_TOKEN_MAX_MINUTES)`);

process.stdout.write(`${mintStartToken(secret, { caseId, userId: user, conversationId: conversation }, ttl)}\n`);
