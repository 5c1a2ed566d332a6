/**
 * Co-work mounted in a host (a botbuilder bot, an Agents SDK agent): the steps the mounted tests of
 * both hosts share. The host greets with its own welcome and answers other text with `host: <text>`;
 * co-work takes only its own activities.
 */
import type { RunningSimulator } from '../../simulator';
import type { EmulatorChannel, EmulatorConversation } from './emulatorChannel';
import { startForm, thanksPrefix, waitUntil } from './coworkSteps';

export interface MountedHost {
  /** Where the host's channel posts activities. */
  url: string;
  /** Co-work's embedded simulator. */
  simulator: RunningSimulator | undefined;
}

function newCase(host: MountedHost): { caseId: string; caseNumber: string } {
  const [c] = host.simulator?.org.createCases(1) ?? [];
  if (!c) throw new Error('no Case');
  return c;
}

/**
 * The whole session in a host's conversation: the host's welcome and replies before, during
 * (`whileOpen`, with the form open) and after it, the Case written, co-work's own greeting never shown.
 */
export async function wholeSessionInHost(
  channel: EmulatorChannel,
  host: MountedHost,
  options: { user: string; welcome: string; whileOpen: (chat: EmulatorConversation) => Promise<void> },
): Promise<void> {
  const chat = channel.conversation(host.url, { id: options.user });
  await chat.join();
  await chat.waitForText(options.welcome);
  await chat.say('hello there');
  await chat.waitForText('host: hello there');
  const c = newCase(host);
  const form = await startForm(chat, c.caseNumber);
  await options.whileOpen(chat);
  await chat.submitForm(form.formToken, 'Education');
  await chat.waitForText(`${thanksPrefix()} 🎓 Education`);
  await waitUntil(() => host.simulator?.org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
  await chat.say('thanks!');
  await chat.waitForText('host: thanks!');
  expect(chat.texts.filter((t) => t.includes('I am the co-work bot'))).toEqual([]);
}

/** A typed answer to the open form is co-work's (confirmed, sent); a question meanwhile is the host's. */
export async function typedAnswerInHost(channel: EmulatorChannel, host: MountedHost, user: string): Promise<void> {
  const chat = channel.conversation(host.url, { id: user });
  await startForm(chat, newCase(host).caseId);
  await chat.say('what are your opening hours?');
  await chat.waitForText('host: what are your opening hours?');
  await chat.say('the first one');
  await chat.waitForText('You chose 🛠 Renovation Work. Send it?');
  await chat.say('yes');
  await chat.waitForText(`${thanksPrefix()} 🛠 Renovation Work`);
  expect(chat.texts.filter((t) => t.startsWith('host: the first one'))).toEqual([]);
}
