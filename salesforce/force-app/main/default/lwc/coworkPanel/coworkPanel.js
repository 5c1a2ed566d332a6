/**
 * The agent's co-work panel on the Case record page (desktop only: empApi does not run in the mobile app).
 *
 * - Follows this Case's co-work live: /event/Cowork_Status__e (the bot's progress) through
 *   panelStream.js (empApi: one onError per page, resubscribe with backoff, a stale replay id falls
 *   back to new events, replay ids opaque). Where empApi is unavailable it says so and subscribes to nothing.
 * - Refreshes the record when the answer is saved on the Case (notifyRecordUpdateAvailable).
 * - Offers the agent's actions: send the form (the Send_Cowork_Form flow, also the Case's Quick
 *   Action), answer on the customer's behalf (Answer_Cowork_Form), and take the linked chat over
 *   (Send_Cowork_Message: takeover, to_customer, handback on /event/Cowork_Message__e). The chat shows
 *   the conversation so far and the customer's messages as they come (from_customer), as text only.
 * - Starts from new events (-1), not the 72 hours the bus retains: every replayed event of every
 *   Case would count against the delivery allocation.
 */
import { LightningElement, api, wire } from 'lwc';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import CASE_OBJECT from '@salesforce/schema/Case';
import USE_OF_FUNDS_FIELD from '@salesforce/schema/Case.Use_of_Funds__c';
import { PanelStream, streamsAvailable } from './panelStream';

export { RECONNECT_BASE_MS, RECONNECT_MAX_MS } from './panelStream';
export const STATUS_CHANNEL = '/event/Cowork_Status__e';
export const MESSAGE_CHANNEL = '/event/Cowork_Message__e';
export const MESSAGE_FLOW = 'Send_Cowork_Message';
export const NO_EMP_TEXT =
  'Live updates are not available here (empApi does not run in the Salesforce mobile app): open this Case on a desktop browser to follow the co-work and take the chat over.';
/** Statuses kept on screen (newest first); chat lines kept (oldest first). */
const MAX_STATUSES = 20;
const MAX_LINES = 200;

const STATE_TEXT = {
  form_sent: 'Form sent to the customer',
  submitted: 'The customer submitted the form',
  answered: 'Answered',
  saved: 'Saved on the Case',
  expired: 'The form expired without an answer',
  superseded: 'Replaced by a newer form',
  failed: 'Failed',
  person_requested: 'The customer asked for a person',
  no_chat: 'No customer chat is linked to this Case',
  already_pending: 'A form is already waiting for the customer',
  taken_over: 'Chat taken over',
  takeover_refused: 'Refused',
  handed_back: 'Chat handed back to the bot',
};

/** Salesforce ids compare on their first 15 characters (the 18-character form only adds a checksum). */
function sameId(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.length >= 15 && b.length >= 15 && a.substring(0, 15) === b.substring(0, 15);
}

export default class CoworkPanel extends LightningElement {
  @api recordId;

  statuses = [];
  lines = [];
  receiving = false;
  /** False where empApi cannot run (mobile): nothing is subscribed, the panel says why. */
  empAvailable = true;
  errorText;
  gapText;
  flowName;
  flowMessage;
  answerValue;
  draft = '';
  picklistOptions = [];
  recordTypeId;
  /** This panel asked to take the chat over and waits for the bot's answer. */
  takeoverPending = false;
  /** This panel's agent holds the chat. */
  holding = false;

  streams = [];
  streamStates = new Map();
  disconnected = false;
  lineCounter = 0;

  @wire(getObjectInfo, { objectApiName: CASE_OBJECT })
  wiredObjectInfo({ data }) {
    if (data) this.recordTypeId = data.defaultRecordTypeId;
  }

  @wire(getPicklistValues, { recordTypeId: '$recordTypeId', fieldApiName: USE_OF_FUNDS_FIELD })
  wiredPicklist({ data }) {
    if (data) this.picklistOptions = data.values.map((v) => ({ label: v.label, value: v.value }));
  }

  connectedCallback() {
    this.disconnected = false;
    return streamsAvailable().then((available) => {
      if (this.disconnected) return;
      this.empAvailable = available;
      if (!available) return;
      this.streams = [
        new PanelStream(STATUS_CHANNEL, { onEvent: (m) => this.handleMessage(m), onState: (s) => this.streamState(STATUS_CHANNEL, s) }),
        new PanelStream(MESSAGE_CHANNEL, { onEvent: (m) => this.handleChatMessage(m), onState: (s) => this.streamState(MESSAGE_CHANNEL, s) }),
      ];
      for (const stream of this.streams) stream.open();
    });
  }

  disconnectedCallback() {
    this.disconnected = true;
    for (const stream of this.streams) stream.close();
    this.streams = [];
    this.streamStates = new Map();
  }

  streamState(channel, state) {
    this.streamStates.set(channel, state.receiving);
    this.receiving = this.streams.length > 0 && this.streams.every((s) => this.streamStates.get(s.channel) === true);
    if (!state.receiving) this.errorText = state.errorText;
    else if (this.receiving) this.errorText = undefined;
    if (state.gap) this.gapText = 'Some updates may be missing: the connection was down longer than Salesforce keeps events.';
  }

  handleMessage(message) {
    const payload = message && message.data && message.data.payload;
    if (!payload || !sameId(payload.Correlation_Id__c, this.recordId)) return;
    const status = {
      key: `status-${++this.lineCounter}`,
      state: payload.State__c,
      text: STATE_TEXT[payload.State__c] || payload.State__c,
      answer: payload.Answer__c || undefined,
      detail: payload.Detail__c || undefined,
      sessionKey: payload.Session_Key__c || undefined,
    };
    this.statuses = [status, ...this.statuses].slice(0, MAX_STATUSES);
    if (status.state === 'saved') notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
    if (status.state === 'taken_over' && this.takeoverPending) {
      this.takeoverPending = false;
      this.holding = true;
    } else if (status.state === 'takeover_refused') {
      this.takeoverPending = false;
    } else if (status.state === 'handed_back') {
      this.holding = false;
    }
  }

  /** A Cowork_Message__e: the chat's lines (the customer's, the bot's, the agents' sent from a panel). */
  handleChatMessage(message) {
    const payload = message && message.data && message.data.payload;
    if (!payload || !sameId(payload.Correlation_Id__c, this.recordId)) return;
    const kind = payload.Kind__c;
    if (kind !== 'from_customer' && kind !== 'to_customer') return;
    const sender = typeof payload.Sender__c === 'string' ? payload.Sender__c : '';
    const line = {
      key: `line-${++this.lineCounter}`,
      sender,
      // Shown with {line.text}: LWC renders it as text, never as HTML.
      text: typeof payload.Text__c === 'string' ? payload.Text__c : '',
      className: `chat-line ${kind === 'to_customer' ? 'from-agent' : sender === 'Customer' ? 'from-customer' : 'from-bot'}`,
    };
    this.lines = [...this.lines, line].slice(-MAX_LINES);
  }

  get latest() {
    return this.statuses[0];
  }

  get hasStatus() {
    return this.statuses.length > 0;
  }

  get headline() {
    const latest = this.latest;
    if (!latest) return 'No co-work on this Case yet';
    return latest.answer ? `${latest.text}: "${latest.answer}"` : latest.text;
  }

  get notReceiving() {
    return this.empAvailable && !this.receiving;
  }

  get isLive() {
    return this.empAvailable && this.receiving;
  }

  get noEmp() {
    return !this.empAvailable;
  }

  get noEmpText() {
    return NO_EMP_TEXT;
  }

  get hasLines() {
    return this.lines.length > 0;
  }

  get canTakeOver() {
    return this.empAvailable && !this.holding && !this.takeoverPending && !this.showFlow;
  }

  get takeOverDisabled() {
    return !this.canTakeOver;
  }

  get sendDisabled() {
    return !this.holding || this.showFlow || this.draft.trim() === '';
  }

  get handBackDisabled() {
    return !this.holding || this.showFlow;
  }

  get personRequested() {
    return this.statuses.some((s) => s.state === 'person_requested') && !this.statuses.some((s) => s.state === 'saved' || s.state === 'answered');
  }

  get showFlow() {
    return this.flowName !== undefined;
  }

  get flowInputs() {
    const inputs = [{ name: 'recordId', type: 'String', value: this.recordId }];
    if (this.flowName === 'Answer_Cowork_Form') inputs.push({ name: 'useOfFundsReason', type: 'String', value: this.answerValue });
    if (this.flowName === MESSAGE_FLOW) {
      const latest = this.statuses.find((s) => s.sessionKey);
      inputs.push({ name: 'kind', type: 'String', value: this.flowMessage.kind });
      inputs.push({ name: 'text', type: 'String', value: this.flowMessage.text });
      inputs.push({ name: 'sessionKey', type: 'String', value: latest ? latest.sessionKey : '' });
    }
    return inputs;
  }

  get answerDisabled() {
    return !this.answerValue;
  }

  handleSendForm() {
    this.flowName = 'Send_Cowork_Form';
  }

  handleAnswerChange(event) {
    this.answerValue = event.detail.value;
  }

  handleAnswerForCustomer() {
    if (!this.answerValue) return;
    this.flowName = 'Answer_Cowork_Form';
  }

  /** Runs Send_Cowork_Message (one at a time: the buttons wait for it). */
  sendMessage(kind, text) {
    this.flowMessage = { kind, text };
    this.flowName = MESSAGE_FLOW;
  }

  handleTakeOver() {
    if (!this.canTakeOver) return;
    this.takeoverPending = true;
    this.sendMessage('takeover', '');
  }

  handleDraftChange(event) {
    this.draft = (event.detail && event.detail.value) || '';
  }

  handleSend() {
    if (this.sendDisabled) return;
    const text = this.draft;
    this.draft = '';
    this.sendMessage('to_customer', text);
  }

  handleHandBack() {
    if (this.handBackDisabled) return;
    this.sendMessage('handback', '');
  }

  handleFlowStatus(event) {
    const status = event.detail && event.detail.status;
    if (status === 'FINISHED' || status === 'FINISHED_SCREEN' || status === 'ERROR') {
      if (status === 'ERROR' && this.flowName === MESSAGE_FLOW && this.flowMessage.kind === 'takeover') this.takeoverPending = false;
      if (status === 'ERROR' && this.flowName === MESSAGE_FLOW && this.flowMessage.kind === 'to_customer') this.draft = this.flowMessage.text;
      if (status !== 'ERROR' && this.flowName === 'Answer_Cowork_Form') this.answerValue = undefined;
      this.flowName = undefined;
      this.flowMessage = undefined;
    }
  }
}
