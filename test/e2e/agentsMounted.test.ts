/**
 * Co-work mounted in a host agent on the Microsoft 365 Agents SDK, exactly as the README's example
 * (examples/agentsHost.ts, which the README shows verbatim): the host's routes rank before and after
 * co-work's, greetings and other text stay the host's, and the whole co-work session runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startHostAgent } from '../../examples/agentsHost';
import { EmulatorChannel } from '../harness/emulatorChannel';
import { startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';

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
    const chat = channel.conversation(host.url, { id: 'agents-customer' });
    await chat.join();
    await chat.waitForText('Welcome to the host agent.');
    await chat.say('hello there');
    await chat.waitForText('host: hello there');
    const [c] = host.cowork.simulator?.org.createCases(1) ?? [];
    if (!c) throw new Error('no Case');
    const form = await startForm(chat, c.caseNumber);
    await chat.say('/hours'); // the host's route ranks first, even with a form open
    await chat.waitForText('We are open 9 to 5.');
    await chat.say('help');
    await chat.waitForText('host: help');
    await chat.submitForm(form.formToken, 'Education');
    await chat.waitForText(`${thanksPrefix()} 🎓 Education`);
    await waitUntil(() => host.cowork.simulator?.org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    await chat.say('thanks!');
    await chat.waitForText('host: thanks!');
    expect(chat.texts.filter((t) => t.includes('I am the co-work bot'))).toEqual([]);
  });

  it('takes a typed answer to its open form, and hands other text to the host (`otherwise`)', async () => {
    const chat = channel.conversation(host.url, { id: 'agents-typist' });
    const [c] = host.cowork.simulator?.org.createCases(1) ?? [];
    if (!c) throw new Error('no Case');
    await startForm(chat, c.caseId);
    await chat.say('what are your opening hours?');
    await chat.waitForText('host: what are your opening hours?');
    await chat.say('the first one');
    await chat.waitForText('You chose 🛠 Renovation Work. Send it?');
    await chat.say('yes');
    await chat.waitForText(`${thanksPrefix()} 🛠 Renovation Work`);
    expect(chat.texts.filter((t) => t.startsWith('host: the first one'))).toEqual([]);
  });
});
