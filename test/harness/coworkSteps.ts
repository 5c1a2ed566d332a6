/**
 * Steps the end-to-end tests share: start a form the way a developer does (`/cowork`), read the
 * form card the way a client renders it, wait for a condition with a bound.
 */
import type { EmulatorConversation } from './emulatorChannel';

export interface FormCard {
  card: Record<string, unknown>;
  /** The opaque token the card's submit action carries. */
  formToken: string;
  /** The choices of the card's choice set, as the customer sees them. */
  choices: Array<{ title: string; value: string }>;
}

/** Reads a form card: its submit action's token and its choices. */
export function readFormCard(card: Record<string, unknown>): FormCard {
  const actions = (card.actions ?? []) as Array<{ data?: Record<string, unknown> }>;
  const submit = actions.find((a) => a.data?.cowork === 'submit');
  if (!submit?.data) throw new Error('the form has no submit action');
  const choiceSet = JSON.stringify(card).match(/"choices":(\[[^\]]*\])/);
  return { card, formToken: String(submit.data.formToken), choices: JSON.parse(choiceSet?.[1] ?? '[]') as FormCard['choices'] };
}

/**
 * Types `/cowork <caseRef>` (through `send`, by default to the conversation's own bot) and
 * resolves with the form card that comes back.
 */
export async function startForm(
  chat: EmulatorConversation,
  caseRef: string,
  send: (text: string) => Promise<unknown> = (text) => chat.say(text),
  timeoutMs?: number,
): Promise<FormCard> {
  const before = chat.cards.length;
  await send(`/cowork ${caseRef}`);
  return readFormCard(await chat.waitForCard(before + 1, timeoutMs));
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
