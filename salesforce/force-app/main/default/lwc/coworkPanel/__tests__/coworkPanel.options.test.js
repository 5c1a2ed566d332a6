/**
 * The panel's "Answer for the customer" choices come from the wire adapters' data
 * (getObjectInfo → the default record type, getPicklistValues for Case.Use_of_Funds__c), and the
 * flow receives the picklist's API value, never its label. The data emitted is shaped as the UI
 * API's Picklist Values response (values: [{ attributes, label, validFor, value }]) and filled from
 * the shipped field metadata, whose labels (with emoji) differ from the API values.
 */
import { subscribe } from 'lightning/empApi';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import { STATUS_CHANNEL } from '../coworkPanel';
import { CASE_ID, flushPromises, mount } from './mountPanel';

const fs = require('fs');
const path = require('path');

const RECORD_TYPE_ID = '012000000000000AAA';
const FIELD_META = path.join(__dirname, '../../../objects/Case/fields/Use_of_Funds__c.field-meta.xml');

/** The picklist's values as the shipped metadata defines them: API value (fullName) and label. */
function shippedValues() {
  const xml = fs.readFileSync(FIELD_META, 'utf8');
  return [...xml.matchAll(/<value>\s*<fullName>([^<]+)<\/fullName>[\s\S]*?<label>([^<]+)<\/label>\s*<\/value>/g)].map((m) => ({ value: m[1], label: m[2] }));
}

function picklistResponse(values) {
  return {
    controllerValues: {},
    defaultValue: null,
    eTag: 'picklist-etag',
    url: `/services/data/v62.0/ui-api/object-info/Case/picklist-values/${RECORD_TYPE_ID}/Use_of_Funds__c`,
    values: values.map((v) => ({ attributes: null, label: v.label, validFor: [], value: v.value })),
  };
}

describe('c-cowork-panel: the answer choices', () => {
  beforeEach(() => {
    subscribe.mockResolvedValue({ id: 'sub-1', channel: STATUS_CHANNEL });
  });
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('the shipped picklist has labels that differ from its API values (else this file proves nothing)', () => {
    const values = shippedValues();
    expect(values.length).toBeGreaterThanOrEqual(2);
    for (const v of values) expect(v.label).not.toBe(v.value);
  });

  it("asks for the Case's default record type's values, and offers them as label / API value", async () => {
    const element = await mount();
    const combobox = element.shadowRoot.querySelector('lightning-combobox.answer-choice');
    expect(combobox.options).toEqual([]);

    getObjectInfo.emit({ apiName: 'Case', defaultRecordTypeId: RECORD_TYPE_ID, fields: {} });
    await flushPromises();
    expect(getPicklistValues.getLastConfig()).toEqual(expect.objectContaining({ recordTypeId: RECORD_TYPE_ID }));

    const values = shippedValues();
    getPicklistValues.emit(picklistResponse(values));
    await flushPromises();
    expect(combobox.options).toEqual(values.map((v) => ({ label: v.label, value: v.value })));
  });

  it('hands the flow the API value of the chosen option, not its label', async () => {
    const element = await mount();
    getObjectInfo.emit({ apiName: 'Case', defaultRecordTypeId: RECORD_TYPE_ID, fields: {} });
    await flushPromises();
    const values = shippedValues();
    getPicklistValues.emit(picklistResponse(values));
    await flushPromises();

    const combobox = element.shadowRoot.querySelector('lightning-combobox.answer-choice');
    const chosen = combobox.options[1];
    combobox.dispatchEvent(new CustomEvent('change', { detail: { value: chosen.value } }));
    await flushPromises();
    element.shadowRoot.querySelector('lightning-button.answer-for-customer').click();
    await flushPromises();

    const flow = element.shadowRoot.querySelector('lightning-flow');
    expect(flow.flowApiName).toBe('Answer_Cowork_Form');
    expect(flow.flowInputVariables).toEqual([
      { name: 'recordId', type: 'String', value: CASE_ID },
      { name: 'useOfFundsReason', type: 'String', value: values[1].value },
    ]);
  });

  it('offers nothing while the picklist answers with an error', async () => {
    const element = await mount();
    getObjectInfo.emit({ apiName: 'Case', defaultRecordTypeId: RECORD_TYPE_ID, fields: {} });
    getPicklistValues.error({ message: 'insufficient access' });
    await flushPromises();
    expect(element.shadowRoot.querySelector('lightning-combobox.answer-choice').options).toEqual([]);
    expect(element.shadowRoot.querySelector('lightning-button.answer-for-customer').disabled).toBe(true);
  });
});
