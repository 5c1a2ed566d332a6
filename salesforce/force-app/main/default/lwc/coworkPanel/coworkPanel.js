/**
 * The agent's co-work panel on the Case record page.
 *
 * - Follows this Case's co-work live: subscribes with lightning/empApi to /event/Cowork_Status__e
 *   (published by the bot at each step) and keeps the statuses whose Correlation_Id__c is this Case.
 * - Refreshes the record when the answer is saved on the Case (notifyRecordUpdateAvailable, the
 *   current equivalent of getRecordNotifyChange), so the Use of Funds field shows the new value.
 * - Offers the agent's two actions: send the form (the Send_Cowork_Form flow, also the Case's
 *   Quick Action) and answer on the customer's behalf (the Answer_Cowork_Form flow, which publishes
 *   Use_of_Funds__e with the Case Id only).
 * - Says when it is not receiving: after an empApi error (or a failed subscribe) it resubscribes
 *   with a bounded backoff, and shows "Not receiving updates" until the subscription is back. It
 *   resubscribes from the last event it saw, so statuses published during the gap are not lost
 *   (an event seen twice is shown once).
 * - Shows what happens while it is open: it starts from new events (-1), not the 72 hours the bus
 *   retains, since every replayed event of every Case would count against the delivery allocation.
 */
import { LightningElement, api, wire } from 'lwc';
import { subscribe, unsubscribe, onError } from 'lightning/empApi';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import CASE_OBJECT from '@salesforce/schema/Case';
import USE_OF_FUNDS_FIELD from '@salesforce/schema/Case.Use_of_Funds__c';

export const STATUS_CHANNEL = '/event/Cowork_Status__e';
/** Resubscribe delays after an error: 1 s, 2 s, 4 s ... at most 30 s. */
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30000;
/** Statuses kept on screen (newest first). */
const MAX_STATUSES = 20;

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
};

/** Salesforce ids compare on their first 15 characters (the 18-character form only adds a checksum). */
function sameId(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.length >= 15 && b.length >= 15 && a.substring(0, 15) === b.substring(0, 15);
}

export default class CoworkPanel extends LightningElement {
  @api recordId;

  statuses = [];
  receiving = false;
  errorText;
  flowName;
  answerValue;
  picklistOptions = [];
  recordTypeId;

  subscription;
  reconnectTimer;
  reconnectAttempts = 0;
  disconnected = false;
  /** Replay id of the last event received: a resubscribe continues from there. */
  lastReplayId;

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
    onError((error) => this.handleEmpError(error));
    this.connect();
  }

  disconnectedCallback() {
    this.disconnected = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) unsubscribe(subscription, () => undefined);
  }

  connect() {
    const from = this.lastReplayId === undefined ? -1 : this.lastReplayId;
    return subscribe(STATUS_CHANNEL, from, (message) => this.handleMessage(message))
      .then((subscription) => {
        if (this.disconnected) {
          unsubscribe(subscription, () => undefined);
          return;
        }
        this.subscription = subscription;
        this.receiving = true;
        this.errorText = undefined;
        this.reconnectAttempts = 0;
      })
      .catch((error) => this.handleEmpError(error));
  }

  /** empApi reported an error (or a subscribe failed): show it, drop the subscription, try again later. */
  handleEmpError(error) {
    this.receiving = false;
    this.errorText = describeError(error);
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) {
      try {
        unsubscribe(subscription, () => undefined);
      } catch {
        // The connection is already gone; nothing to unsubscribe from.
      }
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.disconnected || this.reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.reconnectAttempts);
    this.reconnectAttempts += 1;
    // eslint-disable-next-line @lwc/lwc/no-async-operation -- a resubscribe backoff needs a timer
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  handleMessage(message) {
    const payload = message && message.data && message.data.payload;
    const replayId = message && message.data && message.data.event && message.data.event.replayId;
    if (typeof replayId === 'number') {
      // Replayed after a resubscribe: already shown.
      if (this.lastReplayId !== undefined && replayId <= this.lastReplayId) return;
      this.lastReplayId = replayId;
    }
    if (!payload || !sameId(payload.Correlation_Id__c, this.recordId)) return;
    const status = {
      key: `${replayId === undefined ? Date.now() : replayId}-${payload.State__c}`,
      state: payload.State__c,
      text: STATE_TEXT[payload.State__c] || payload.State__c,
      answer: payload.Answer__c || undefined,
      detail: payload.Detail__c || undefined,
      sessionKey: payload.Session_Key__c || undefined,
    };
    this.statuses = [status, ...this.statuses].slice(0, MAX_STATUSES);
    if (status.state === 'saved') notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
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
    return !this.receiving;
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

  handleFlowStatus(event) {
    const status = event.detail && event.detail.status;
    if (status === 'FINISHED' || status === 'FINISHED_SCREEN' || status === 'ERROR') {
      this.flowName = undefined;
      if (status !== 'ERROR') this.answerValue = undefined;
    }
  }
}

function describeError(error) {
  if (!error) return 'The connection to Salesforce events was lost.';
  if (typeof error === 'string') return error;
  if (error.error) return String(error.error);
  if (error.message) return String(error.message);
  return 'The connection to Salesforce events was lost.';
}
