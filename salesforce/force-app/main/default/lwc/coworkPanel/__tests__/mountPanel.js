/**
 * What the panel's tests share: the panel mounted on a Case page, and the microtask turns its wire
 * adapters and empApi promises take to settle.
 */
import { createElement } from 'lwc';
import CoworkPanel from '../coworkPanel';

export const CASE_ID = '500000000000001AAA';

export async function flushPromises() {
  for (let i = 0; i < 6; i++) await Promise.resolve();
}

/** The panel on the record page of `recordId`, its first promises settled. */
export async function mount(recordId = CASE_ID) {
  const element = createElement('c-cowork-panel', { is: CoworkPanel });
  element.recordId = recordId;
  document.body.appendChild(element);
  await flushPromises();
  return element;
}
