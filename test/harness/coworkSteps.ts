/**
 * Steps the end-to-end tests share: start a form the way a developer does (`/cowork`), read the
 * form card the way a client renders it, wait for a condition with a bound.
 */
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { thankYouText } from '../../cowork/domain/formSpec';
import type { EmulatorConversation } from './emulatorChannel';

/** The Use of Funds thank-you (English) for the choice `label`, as the form spec words it. */
export function thanks(label: string): string {
  return thankYouText(USE_OF_FUNDS_FORM, { useOfFunds: label });
}

/** The thank-you's words before the chosen label (what every thank-you of the form starts with). */
export function thanksPrefix(): string {
  return (thanks('\u0000').split('\u0000')[0] ?? '').trimEnd();
}

/** One new Case of the simulator's org (`createCases(1)`), never undefined. */
export function oneCase<T>(org: { createCases(count: number): T[] }): T {
  const [created] = org.createCases(1);
  if (created === undefined) throw new Error('the org created no Case');
  return created;
}

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
