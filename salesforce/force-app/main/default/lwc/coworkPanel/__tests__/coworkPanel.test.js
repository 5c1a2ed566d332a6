import { subscribe, unsubscribe, onError, isEmpEnabled } from 'lightning/empApi';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { STATUS_CHANNEL, MESSAGE_CHANNEL, MESSAGE_FLOW, NO_EMP_TEXT, RECONNECT_BASE_MS } from '../coworkPanel';
import { CASE_ID, flushPromises, mount } from './mountPanel';

/** Every listener ever given to empApi's onError in this file (it is global: the panel registers one per page). */
const errorListeners = [];
onError.mockImplementation((listener) => {
  errorListeners.push(listener);
  return Promise.resolve(true);
});
/** What empApi does with an error: every registered listener hears it. */
function reportEmpError(error) {
  for (const listener of errorListeners) listener(error);
}

const OTHER_CASE_ID = '500000000000002AAA';

/** What empApi hands the subscriber for one Cowork_Status__e. */
function statusMessage(fields, replayId, uuid = `uuid-status-${replayId}`) {
  return {
    channel: STATUS_CHANNEL,
    data: {
      schema: 'schema-id',
      payload: {
        CreatedDate: '2026-12-01T21:00:00Z',
        CreatedById: '005000000000001AAA',
        Session_Key__c: 'a'.repeat(32),
        Answer__c: null,
        Detail__c: null,
        ...fields,
      },
      event: { replayId, EventUuid: uuid },
    },
  };
}

/** What empApi hands the subscriber for one Cowork_Message__e. */
function chatMessage(fields, replayId, uuid = `uuid-chat-${replayId}`) {
  return {
    channel: MESSAGE_CHANNEL,
    data: {
      schema: 'schema-id',
      payload: { CreatedDate: '2026-12-02T05:00:00Z', CreatedById: '005000000000001AAA', Session_Key__c: null, Text__c: null, Sender__c: null, ...fields },
      event: { replayId, EventUuid: uuid },
    },
  };
}

/** The callback of the latest subscription to `channel`. */
function deliverer(channel) {
  const calls = subscribe.mock.calls.filter((c) => c[0] === channel);
  return calls[calls.length - 1][2];
}

function onMessage() {
  return deliverer(STATUS_CHANNEL);
}

function subscribedStatusCalls() {
  return subscribe.mock.calls.filter((c) => c[0] === STATUS_CHANNEL);
}

function text(element, selector) {
  const node = element.shadowRoot.querySelector(selector);
  return node ? node.textContent : undefined;
}

describe('c-cowork-panel', () => {
  beforeEach(() => {
    isEmpEnabled.mockResolvedValue(true);
    subscribe.mockImplementation((channel) => Promise.resolve({ id: channel === STATUS_CHANNEL ? 'sub-1' : 'sub-chat-1', channel }));
  });

  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
    jest.useRealTimers();
  });

  it('subscribes to the status channel for new events and shows it is live', async () => {
    const element = await mount();
    expect(subscribe).toHaveBeenCalledWith(STATUS_CHANNEL, -1, expect.any(Function));
    expect(subscribe).toHaveBeenCalledWith(MESSAGE_CHANNEL, -1, expect.any(Function));
    expect(errorListeners).toHaveLength(1);
    expect(element.shadowRoot.querySelector('.receiving')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.not-receiving')).toBeNull();
    expect(text(element, '.headline')).toBe('No co-work on this Case yet');
  });

  it.each([
    ['form_sent', null, 'Form sent to the customer'],
    ['submitted', '🛠 Renovation Work', 'The customer submitted the form: "🛠 Renovation Work"'],
    ['answered', '🛠 Renovation Work', 'Answered: "🛠 Renovation Work"'],
    ['saved', '🛠 Renovation Work', 'Saved on the Case: "🛠 Renovation Work"'],
    ['expired', null, 'The form expired without an answer'],
    ['superseded', null, 'Replaced by a newer form'],
    ['failed', null, 'Failed'],
    ['person_requested', null, 'The customer asked for a person'],
    ['no_chat', null, 'No customer chat is linked to this Case'],
    ['already_pending', null, 'A form is already waiting for the customer'],
  ])('renders the state %s', async (state, answer, headline) => {
    const element = await mount();
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: state, Answer__c: answer }, 1));
    await flushPromises();
    expect(text(element, '.headline')).toBe(headline);
    expect(element.shadowRoot.querySelector(`li[data-state="${state}"]`)).not.toBeNull();
  });

  it('follows a session live, newest first, and refreshes the record once the answer is saved', async () => {
    const element = await mount();
    const deliver = onMessage();
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 1));
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'answered', Answer__c: '🛠 Renovation Work' }, 2));
    await flushPromises();
    expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'saved', Answer__c: '🛠 Renovation Work' }, 3));
    await flushPromises();
    const states = Array.from(element.shadowRoot.querySelectorAll('li.status')).map((li) => li.dataset.state);
    expect(states).toEqual(['saved', 'answered', 'form_sent']);
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledTimes(1);
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: CASE_ID }]);
  });

  it("ignores other Cases' statuses, and matches this Case by its 15-character id too", async () => {
    const element = await mount();
    const deliver = onMessage();
    deliver(statusMessage({ Correlation_Id__c: OTHER_CASE_ID, State__c: 'saved', Answer__c: '🎓 Education' }, 1));
    await flushPromises();
    expect(element.shadowRoot.querySelectorAll('li.status')).toHaveLength(0);
    expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();
    deliver(statusMessage({ Correlation_Id__c: CASE_ID.substring(0, 15), State__c: 'form_sent' }, 2));
    await flushPromises();
    expect(element.shadowRoot.querySelectorAll('li.status')).toHaveLength(1);
  });

  it('shows that the customer asked for a person until the form is answered', async () => {
    const element = await mount();
    const deliver = onMessage();
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 1));
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'person_requested' }, 2));
    await flushPromises();
    expect(element.shadowRoot.querySelector('.person-requested')).not.toBeNull();
    deliver(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'answered', Answer__c: '📝 Other' }, 3));
    await flushPromises();
    expect(element.shadowRoot.querySelector('.person-requested')).toBeNull();
  });

  it('on an empApi error shows it is not receiving, resubscribes after a backoff, and is live again', async () => {
    jest.useFakeTimers();
    const element = await mount();
    reportEmpError({ error: '403::Unknown client' });
    await flushPromises();
    expect(element.shadowRoot.querySelector('.not-receiving')).not.toBeNull();
    expect(text(element, '.error-text')).toBe('403::Unknown client');
    expect(unsubscribe).toHaveBeenCalledWith({ id: 'sub-1', channel: STATUS_CHANNEL }, expect.any(Function));
    expect(subscribedStatusCalls()).toHaveLength(1);

    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls()).toHaveLength(2);
    expect(element.shadowRoot.querySelector('.receiving')).not.toBeNull();

    // The new subscription delivers as the old one did.
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 9));
    await flushPromises();
    expect(text(element, '.headline')).toBe('Form sent to the customer');
  });

  it('resubscribes from the last event it saw, and shows a replayed event once', async () => {
    jest.useFakeTimers();
    const element = await mount();
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 41));
    onMessage()(statusMessage({ Correlation_Id__c: OTHER_CASE_ID, State__c: 'saved' }, 42));
    reportEmpError({ error: 'connection lost' });
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls().at(-1)).toEqual([STATUS_CHANNEL, 42, expect.any(Function)]);
    // The bus delivers what came after 42; an event delivered again (same EventUuid) is dropped.
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 41));
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'submitted', Answer__c: '🎓 Education' }, 43));
    await flushPromises();
    const states = Array.from(element.shadowRoot.querySelectorAll('li.status')).map((li) => li.dataset.state);
    expect(states).toEqual(['submitted', 'form_sent']);
  });

  it('keeps trying with a growing delay while the subscribe itself fails', async () => {
    jest.useFakeTimers();
    let failures = 2;
    subscribe.mockImplementation((channel) =>
      channel === STATUS_CHANNEL && failures-- > 0 ? Promise.reject(new Error('handshake failed')) : Promise.resolve({ id: `sub-${channel}`, channel }),
    );
    const element = await mount();
    expect(element.shadowRoot.querySelector('.not-receiving')).not.toBeNull();
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls()).toHaveLength(2);
    // Second delay is twice the first: nothing after one more base delay, a try after two.
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls()).toHaveLength(2);
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls()).toHaveLength(3);
    expect(element.shadowRoot.querySelector('.receiving')).not.toBeNull();
  });

  it('unsubscribes when removed from the page', async () => {
    const element = await mount();
    document.body.removeChild(element);
    expect(unsubscribe).toHaveBeenCalledWith({ id: 'sub-1', channel: STATUS_CHANNEL }, expect.any(Function));
    expect(unsubscribe).toHaveBeenCalledWith({ id: 'sub-chat-1', channel: MESSAGE_CHANNEL }, expect.any(Function));
  });

  it('runs the flows with this Case: send the form, and answer for the customer with the chosen value', async () => {
    const element = await mount();
    element.shadowRoot.querySelector('lightning-button.send-form').click();
    await flushPromises();
    let flow = element.shadowRoot.querySelector('lightning-flow');
    expect(flow.flowApiName).toBe('Send_Cowork_Form');
    expect(flow.flowInputVariables).toEqual([{ name: 'recordId', type: 'String', value: CASE_ID }]);
    flow.dispatchEvent(new CustomEvent('statuschange', { detail: { status: 'FINISHED' } }));
    await flushPromises();
    expect(element.shadowRoot.querySelector('lightning-flow')).toBeNull();

    expect(element.shadowRoot.querySelector('lightning-button.answer-for-customer').disabled).toBe(true);
    element.shadowRoot.querySelector('lightning-combobox').dispatchEvent(new CustomEvent('change', { detail: { value: 'Education' } }));
    await flushPromises();
    element.shadowRoot.querySelector('lightning-button.answer-for-customer').click();
    await flushPromises();
    flow = element.shadowRoot.querySelector('lightning-flow');
    expect(flow.flowApiName).toBe('Answer_Cowork_Form');
    expect(flow.flowInputVariables).toEqual([
      { name: 'recordId', type: 'String', value: CASE_ID },
      { name: 'useOfFundsReason', type: 'String', value: 'Education' },
    ]);
  });

  // ---- issue 23: the panel where it can run -------------------------------------------------

  it('is offered on desktop record pages only (empApi does not run in the mobile app)', () => {
    const fs = require('fs');
    const path = require('path');
    const xml = fs.readFileSync(path.join(__dirname, '..', 'coworkPanel.js-meta.xml'), 'utf8');
    const factors = xml.match(/<supportedFormFactors>([\s\S]*?)<\/supportedFormFactors>/);
    expect(factors).not.toBeNull();
    expect(Array.from(factors[1].matchAll(/<supportedFormFactor\s+type="(\w+)"\s*\/>/g)).map((m) => m[1])).toEqual(['Large']);
  });

  it('where empApi is unavailable, says so plainly and subscribes to nothing (no reconnect loop)', async () => {
    jest.useFakeTimers();
    isEmpEnabled.mockResolvedValue(false);
    const element = await mount();
    expect(text(element, '.no-emp')).toBe(NO_EMP_TEXT);
    expect(element.shadowRoot.querySelector('.not-receiving')).toBeNull();
    expect(element.shadowRoot.querySelector('.receiving')).toBeNull();
    jest.advanceTimersByTime(60000);
    await flushPromises();
    expect(subscribe).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('lightning-button.take-over').disabled).toBe(true);
  });

  it('registers one onError for the page however many panels mount and remount, and an error reaches each open panel', async () => {
    const first = await mount();
    const second = await mount();
    document.body.removeChild(first);
    document.body.appendChild(first);
    await flushPromises();
    expect(errorListeners).toHaveLength(1);
    reportEmpError({ error: 'connection lost' });
    await flushPromises();
    expect(first.shadowRoot.querySelector('.not-receiving')).not.toBeNull();
    expect(second.shadowRoot.querySelector('.not-receiving')).not.toBeNull();
  });

  it('a replay id the bus no longer accepts falls back to new events once, and says updates may be missing', async () => {
    jest.useFakeTimers();
    const element = await mount();
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 42));
    reportEmpError({ error: 'connection lost' });
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls().at(-1)[1]).toBe(42);
    // The bus refuses 42 (older than its retention): the next try starts from new events, not 42 again.
    reportEmpError({
      error: '400::The replayId {42} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.',
    });
    jest.advanceTimersByTime(RECONNECT_BASE_MS);
    await flushPromises();
    expect(subscribedStatusCalls().at(-1)[1]).toBe(-1);
    expect(element.shadowRoot.querySelector('.gap')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.receiving')).not.toBeNull();
  });

  it('never compares replay ids: after an org migration renumbers them lower, new events still show', async () => {
    const element = await mount();
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'form_sent' }, 9007199254740993, 'uuid-a'));
    onMessage()(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'submitted', Answer__c: '🎓 Education' }, 5, 'uuid-b'));
    await flushPromises();
    const states = Array.from(element.shadowRoot.querySelectorAll('li.status')).map((li) => li.dataset.state);
    expect(states).toEqual(['submitted', 'form_sent']);
  });
});

describe('c-cowork-panel: the chat taken over from the Case', () => {
  beforeEach(() => {
    isEmpEnabled.mockResolvedValue(true);
    subscribe.mockImplementation((channel) => Promise.resolve({ id: `sub-${channel}`, channel }));
  });

  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  const lines = (element) =>
    Array.from(element.shadowRoot.querySelectorAll('li.chat-line')).map((li) => ({
      sender: li.querySelector('.chat-sender').textContent,
      text: li.querySelector('.chat-text').textContent,
    }));
  const button = (element, name) => element.shadowRoot.querySelector(`lightning-button.${name}`);
  const flow = (element) => element.shadowRoot.querySelector('lightning-flow');
  async function finishFlow(element, status = 'FINISHED') {
    flow(element).dispatchEvent(new CustomEvent('statuschange', { detail: { status } }));
    await flushPromises();
  }
  async function takenOver(element) {
    button(element, 'take-over').click();
    await flushPromises();
    await finishFlow(element);
    deliverer(STATUS_CHANNEL)(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'taken_over', Detail__c: 'agent has the chat' }, 1));
    await flushPromises();
  }

  it('takes over through the Send_Cowork_Message flow, then shows the chat so far and the customer as they write', async () => {
    const element = await mount();
    expect(button(element, 'chat-send').disabled).toBe(true);
    button(element, 'take-over').click();
    await flushPromises();
    expect(flow(element).flowApiName).toBe(MESSAGE_FLOW);
    expect(flow(element).flowInputVariables).toEqual([
      { name: 'recordId', type: 'String', value: CASE_ID },
      { name: 'kind', type: 'String', value: 'takeover' },
      { name: 'text', type: 'String', value: '' },
      { name: 'sessionKey', type: 'String', value: '' },
    ]);
    await finishFlow(element);
    expect(button(element, 'take-over').disabled).toBe(true); // waiting for the bot's answer
    deliverer(STATUS_CHANNEL)(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'taken_over', Detail__c: 'agent has the chat' }, 1));
    const chat = deliverer(MESSAGE_CHANNEL);
    chat(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'from_customer', Sender__c: 'Bot', Text__c: 'I am sending you the form' }, 1));
    chat(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'from_customer', Sender__c: 'Customer', Text__c: 'hello?' }, 2));
    await flushPromises();
    expect(lines(element)).toEqual([
      { sender: 'Bot', text: 'I am sending you the form' },
      { sender: 'Customer', text: 'hello?' },
    ]);
    expect(element.shadowRoot.querySelector('lightning-textarea.chat-draft').disabled).toBe(false);
  });

  it("shows the customer's text as text, never as HTML", async () => {
    const element = await mount();
    const typed = '<b>bold</b><img src=x onerror="window.pwned=true">';
    deliverer(MESSAGE_CHANNEL)(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'from_customer', Sender__c: 'Customer', Text__c: typed }, 1));
    await flushPromises();
    const line = element.shadowRoot.querySelector('li.chat-line .chat-text');
    expect(line.textContent).toBe(typed);
    expect(line.querySelector('b')).toBeNull();
    expect(line.querySelector('img')).toBeNull();
    expect(window.pwned).toBeUndefined();
  });

  it("shows only this Case's messages, and each message once", async () => {
    const element = await mount();
    const chat = deliverer(MESSAGE_CHANNEL);
    chat(chatMessage({ Correlation_Id__c: OTHER_CASE_ID, Kind__c: 'from_customer', Sender__c: 'Customer', Text__c: 'not yours' }, 1));
    chat(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'from_customer', Sender__c: 'Customer', Text__c: 'mine' }, 2));
    chat(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'from_customer', Sender__c: 'Customer', Text__c: 'mine' }, 2));
    // The panel's own takeover event is no chat line.
    chat(chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'takeover', Sender__c: 'agent@example.com' }, 3));
    await flushPromises();
    expect(lines(element)).toEqual([{ sender: 'Customer', text: 'mine' }]);
  });

  it('sends what the agent typed as to_customer, clears the box, and shows it once the event comes back', async () => {
    const element = await mount();
    await takenOver(element);
    const draft = element.shadowRoot.querySelector('lightning-textarea.chat-draft');
    draft.dispatchEvent(new CustomEvent('change', { detail: { value: 'Hello, I am Ana from support.' } }));
    await flushPromises();
    button(element, 'chat-send').click();
    await flushPromises();
    expect(flow(element).flowInputVariables).toEqual(
      expect.arrayContaining([
        { name: 'kind', type: 'String', value: 'to_customer' },
        { name: 'text', type: 'String', value: 'Hello, I am Ana from support.' },
      ]),
    );
    expect(button(element, 'chat-send').disabled).toBe(true); // one message at a time
    await finishFlow(element);
    expect(element.shadowRoot.querySelector('lightning-textarea.chat-draft').value).toBe('');
    deliverer(MESSAGE_CHANNEL)(
      chatMessage({ Correlation_Id__c: CASE_ID, Kind__c: 'to_customer', Sender__c: 'ana@example.com', Text__c: 'Hello, I am Ana from support.' }, 5),
    );
    await flushPromises();
    expect(lines(element)).toEqual([{ sender: 'ana@example.com', text: 'Hello, I am Ana from support.' }]);
  });

  it('a message whose flow fails stays in the box', async () => {
    const element = await mount();
    await takenOver(element);
    element.shadowRoot.querySelector('lightning-textarea.chat-draft').dispatchEvent(new CustomEvent('change', { detail: { value: 'keep me' } }));
    await flushPromises();
    button(element, 'chat-send').click();
    await flushPromises();
    await finishFlow(element, 'ERROR');
    expect(element.shadowRoot.querySelector('lightning-textarea.chat-draft').value).toBe('keep me');
  });

  it('a refused takeover shows who has the chat and leaves nothing to send', async () => {
    const element = await mount();
    button(element, 'take-over').click();
    await flushPromises();
    await finishFlow(element);
    deliverer(STATUS_CHANNEL)(
      statusMessage(
        {
          Correlation_Id__c: CASE_ID,
          State__c: 'takeover_refused',
          Detail__c: 'other@example.com has this chat: it cannot be taken over until they hand it back.',
        },
        1,
      ),
    );
    await flushPromises();
    expect(text(element, '.headline')).toBe('Refused');
    expect(text(element, '.status-detail')).toContain('other@example.com has this chat');
    expect(button(element, 'chat-send').disabled).toBe(true);
    expect(button(element, 'take-over').disabled).toBe(false);
  });

  it('another agent taking the chat over does not give this panel the chat', async () => {
    const element = await mount();
    deliverer(STATUS_CHANNEL)(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'taken_over', Detail__c: 'other@example.com has the chat' }, 1));
    await flushPromises();
    expect(button(element, 'hand-back').disabled).toBe(true);
  });

  it('hands back through the flow; once the bot has the chat, the panel can take it again', async () => {
    const element = await mount();
    await takenOver(element);
    button(element, 'hand-back').click();
    await flushPromises();
    expect(flow(element).flowInputVariables).toEqual(expect.arrayContaining([{ name: 'kind', type: 'String', value: 'handback' }]));
    await finishFlow(element);
    deliverer(STATUS_CHANNEL)(statusMessage({ Correlation_Id__c: CASE_ID, State__c: 'handed_back', Detail__c: 'saved as a comment' }, 2));
    await flushPromises();
    expect(text(element, '.headline')).toBe('Chat handed back to the bot');
    expect(button(element, 'hand-back').disabled).toBe(true);
    expect(button(element, 'take-over').disabled).toBe(false);
  });
});
