/**
 * Co-work mounted in a host agent on the Microsoft 365 Agents SDK, exactly as the README's example
 * (examples/agentsHost.ts, which the README shows verbatim): the host's routes rank before and after
 * co-work's, greetings and other text stay the host's, and the whole co-work session runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startHostAgent } from '../../examples/agentsHost';
import { EmulatorChannel } from '../harness/emulatorChannel';
import { typedAnswerInHost, wholeSessionInHost } from '../harness/mountedCowork';

const ROOT = path.resolve(__dirname, '../..');

describe('co-work mounted in a host agent (Microsoft 365 Agents SDK)', () => {
  let host: Awaited<ReturnType<typeof startHostAgent>>;
  let channel: EmulatorChannel;

  beforeAll(async () => {
    host = await startHostAgent({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PUBLIC_URL: 'http://127.0.0.1' });
    channel = await EmulatorChannel.start();
  });
  afterAll(async () => {
    await host?.stop();
    await channel?.stop();
  });

  it("is the README's example, as written", () => {
    const example = readFileSync(path.join(ROOT, 'examples/agentsHost.ts'), 'utf8').trim();
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(example);
  });

  it("leaves greetings and other text to the host, takes the host's first-ranked route first, and runs the whole session", async () => {
    await wholeSessionInHost(
      channel,
      { url: host.url, simulator: host.cowork.simulator },
      {
        user: 'agents-customer',
        welcome: 'Welcome to the host agent.',
        whileOpen: async (chat) => {
          await chat.say('/hours'); // the host's route ranks first, even with a form open
          await chat.waitForText('We are open 9 to 5.');
          await chat.say('help');
          await chat.waitForText('host: help');
        },
      },
    );
  });

  it('takes a typed answer to its open form, and hands other text to the host (`otherwise`)', async () => {
    await typedAnswerInHost(channel, { url: host.url, simulator: host.cowork.simulator }, 'agents-typist');
  });
});
