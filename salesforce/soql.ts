/**
 * The only way a value enters SOQL here. Callers validate first (ids, CaseNumbers, field API
 * names); escaping is a second line of defence, not the first.
 */

/** A SOQL string literal: backslash and quote escaped as the SOQL reference specifies. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A field API name (standard or custom, optionally namespaced): letters, digits, single underscores. */
const FIELD_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?:__c)?$|^[A-Za-z][A-Za-z0-9]*__[A-Za-z](?:[A-Za-z0-9]|_(?!_))*__c$/;

export function isFieldApiName(name: string): boolean {
  return name.length <= 80 && FIELD_NAME.test(name);
}
