/**
 * Co-work mounted in another bot: the host keeps its own adapter, server, greeting and replies;
 * co-work takes only its own activities and sends its proactive messages through the host's
 * adapter.
 */
import * as restify from 'restify';
import { ActivityHandler, type CloudAdapter, type TurnContext } from 'botbuilder';
import { createAdapter } from '../../bot/edge/adapter';
import { loadConfig } from '../../bot/config/config';
import { createCowork, type Cowork } from '../../bot/compositionRoot';
import { silentLog } from '../../util/log';
import { EmulatorChannel } from '../harness/emulatorChannel';
import { startForm, thanksPrefix } from '../harness/coworkSteps';
import { typedAnswerInHost, wholeSessionInHost, type MountedHost } from '../harness/mountedCowork';

/** A host bot with its own personality. */
class HostBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      await context.sendActivity('Welcome to the host bot.');
      await next();
    });
    this.onMessage(async (context, next) => {
      await context.sendActivity(`host: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

describe('co-work mounted in a host bot', () => {
  let cowork: Cowork;
  let server: restify.Server;
  let channel: EmulatorChannel;
  let url: string;

  const hostConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, trace: console.trace };

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
    const adapter = createAdapter(config.microsoftApp, silentLog);
    cowork = await createCowork({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log: silentLog, adapter, mounted: true });
    const host = new HostBot();
    server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    server.post('/api/messages', async (req, res) => {
      // restify types `method` as optional, botbuilder's Request as required: the same object, a type
      // mismatch only under this project's exactOptionalPropertyTypes (a host's tsconfig may not have it).
      await adapter.process(req as Parameters<CloudAdapter['process']>[0], res, async (context: TurnContext) => {
        if (await cowork.onTurn(context)) return;
        await host.run(context);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    channel = await EmulatorChannel.start();
  });

  afterAll(async () => {
    await cowork?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await channel?.stop();
  });

  const host = (): MountedHost => ({ url, simulator: cowork.simulator });

  it('leaves greetings and unrelated messages to the host, and runs the whole co-work session', async () => {
    await wholeSessionInHost(channel, host(), {
      user: 'customer',
      welcome: 'Welcome to the host bot.',
      whileOpen: async (chat) => {
        await chat.say('help'); // the host's, even with a form open
        await chat.waitForText('host: help');
      },
    });
  });

  it('takes a typed answer to its open form, and leaves other text to the host', async () => {
    await typedAnswerInHost(channel, host(), 'typist');
  });

  it("leaves the host's text to the host while a typed answer waits for confirmation, and keeps that answer", async () => {
    const chat = channel.conversation(url, { id: 'confirmer' });
    const [c] = cowork.simulator?.org.createCases(1) ?? [];
    if (!c) throw new Error('no Case');
    await startForm(chat, c.caseId);
    await chat.say('the first one');
    await chat.waitForText('You chose 🛠 Renovation Work. Send it?');
    await chat.say('what are your opening hours?');
    await chat.waitForText('host: what are your opening hours?');
    await chat.say('yes');
    await chat.waitForText(`${thanksPrefix()} 🛠 Renovation Work`);
  });

  it("never replaces the host's console (co-work's own output goes to its logger only)", async () => {
    for (const [method, original] of Object.entries(hostConsole)) expect(console[method as keyof typeof hostConsole]).toBe(original);
  });
});
