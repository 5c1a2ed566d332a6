/**
 * Forms and org data used by the forms and cards tests: the picklists as a real org describes
 * them (emoji labels, API names that differ from labels, an inactive value), and a second form
 * with two answers on two event fields and two Case fields, which proves forms are data.
 */
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { PicklistValue } from '../../cowork/ports';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';

export const USE_OF_FUNDS_PICKLIST: PicklistValue[] = [
  { value: 'Renovation_Work', label: '🛠 Renovation Work', active: true, defaultValue: false },
  { value: 'Car_Purchase', label: '🚗 Car Purchase', active: true, defaultValue: false },
  { value: 'Home_Purchase', label: '🏠 Home Purchase', active: true, defaultValue: false },
  { value: 'Travel', label: '✈️ Travel', active: false, defaultValue: false },
  { value: 'Debt_Consolidation', label: '💳 Debt Consolidation', active: true, defaultValue: false },
  { value: 'Work_Equipment', label: '🧰 Work Equipment', active: true, defaultValue: false },
];

export const AMOUNT_RANGE_PICKLIST: PicklistValue[] = [
  { value: 'Under_5k', label: 'Less than 5,000', active: true, defaultValue: false },
  { value: '5k_to_20k', label: '5,000 to 20,000', active: true, defaultValue: true },
  { value: 'Over_20k', label: 'More than 20,000', active: true, defaultValue: false },
];

export const PICKLISTS = { Use_of_Funds__c: USE_OF_FUNDS_PICKLIST, Amount_Range__c: AMOUNT_RANGE_PICKLIST };

/** "If you need more data to synchronise, just add more fields to the platform event." */
export const FUNDS_AND_AMOUNT_FORM: FormSpec = {
  ...USE_OF_FUNDS_FORM,
  id: 'funds-and-amount',
  title: 'Use and amount of funds',
  inputs: [
    USE_OF_FUNDS_FORM.inputs[0]!,
    {
      id: 'amountRange',
      kind: 'choice',
      label: 'How much do you need?',
      factTitle: 'Amount',
      required: true,
      choices: { kind: 'picklist', caseField: 'Amount_Range__c' },
      eventField: { name: 'Amount_Range__c', length: 40 },
      caseField: 'Amount_Range__c',
    },
  ],
  messages: {
    ...USE_OF_FUNDS_FORM.messages,
    thankYou: 'Thank you 😃, we have noted {useOfFunds} for an amount of {amountRange}',
  },
};

/** The two-field form plus an optional free-text question, to cover text inputs. */
export const FORM_WITH_DETAILS: FormSpec = {
  ...FUNDS_AND_AMOUNT_FORM,
  id: 'funds-with-details',
  inputs: [
    ...FUNDS_AND_AMOUNT_FORM.inputs,
    {
      id: 'details',
      kind: 'text',
      label: 'Anything we should know?',
      factTitle: 'Details',
      required: false,
      maxLength: 200,
      placeholder: 'Optional',
      eventField: { name: 'Details__c', length: 255 },
      caseField: 'Funding_Details__c',
    },
  ],
};
