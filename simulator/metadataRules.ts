/**
 * The documented rules a deploy enforces that the Metadata WSDL does not carry: lengths, names,
 * picklist values, which field types a platform event takes, and that every object, field, flow
 * and `@salesforce/schema` import a file names exists in the org or in the same deploy.
 * Sources, as looked up:
 * - Custom field lengths: Text 1–255, Text Area (Long) 256–131,072 with visible lines (Salesforce
 *   Help "Custom Field Attributes"; Metadata API "CustomField": `length`, `visibleLines`).
 * - Names: begin with a letter, only alphanumerics and underscores, no trailing underscore, no two
 *   consecutive underscores, 40 characters for objects and fields (Object Reference, "DeveloperName";
 *   Lightning "Component Names"); labels 40 characters for fields and objects, 80 for permission sets.
 * - Picklists: each value's API name unique in its field (case-insensitive), at most one default,
 *   1,000 values, 255 characters per value (Help "Picklist Limitations").
 * - Platform event fields: Checkbox, Date, Date/Time, Number, Text, Text Area (Long) only
 *   (Platform Events Developer Guide, "Platform Event Fields").
 * - LWC `@salesforce/schema` imports are checked by the deploy ("Invalid reference … of type sobjectClass").
 */
import path from 'node:path';
import { childOf, childrenOf, textOf, type XmlElement } from './metadataXml';
import type { ProblemList, SourceComponent } from './deployProblems';

/** Standard objects of the org and their fields (what no file of the deploy declares). */
export interface OrgSchema {
  objects: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface RuleContext {
  org: OrgSchema;
  components: readonly SourceComponent[];
  problems: ProblemList;
}

type Rule = (component: SourceComponent, context: RuleContext) => void;

const NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;
const PLATFORM_EVENT_FIELD_TYPES = new Set(['Checkbox', 'Date', 'DateTime', 'Number', 'Text', 'LongTextArea']);
/** Standard fields every platform event has (Platform Events Developer Guide, "Standard Fields"). */
const PLATFORM_EVENT_STANDARD_FIELDS = ['ReplayId', 'CreatedDate', 'CreatedById', 'EventUuid'];

function nameProblem(name: string, max: number): string | undefined {
  if (name.length > max) return `${name}: the API name must be ${max} characters or fewer`;
  if (!NAME.test(name) || name.endsWith('_'))
    return `${name}: the API name can only contain underscores and alphanumeric characters; it must begin with a letter, not include spaces, not end with an underscore, and not contain 2 consecutive underscores`;
  return undefined;
}

function lengthProblem(component: SourceComponent, context: RuleContext, element: XmlElement | undefined, what: string, max: number): void {
  // Salesforce counts UTF-16 code units, as JavaScript's `length` does.
  if (element && element.text.length > max) context.problems.at(component, element, `${what}: data value too large: ${element.text} (max length=${max})`);
}

const customField: Rule = (component, context) => {
  const { root } = component;
  const [objectName = '', fieldName = ''] = component.fullName.split('.');
  const at = (element: XmlElement | undefined, problem: string): void => context.problems.at(component, element ?? root, problem);
  const ownName = textOf(root, 'fullName');
  if (ownName !== undefined && ownName !== fieldName) at(childOf(root, 'fullName'), `The fullName ${ownName} does not match the file name ${fieldName}`);
  if (!fieldName.endsWith('__c')) at(root, `${fieldName}: a custom field's name must end in __c`);
  else {
    const problem = nameProblem(fieldName.slice(0, -3), 40);
    if (problem) at(root, problem);
  }
  if (textOf(root, 'label') === undefined || textOf(root, 'label') === '') at(root, 'Required field is missing: label');
  lengthProblem(component, context, childOf(root, 'label'), 'label', 40);
  const type = textOf(root, 'type');
  if (type === undefined) return at(root, 'Required field is missing: type');
  const lengthElement = childOf(root, 'length');
  const length = lengthElement ? Number(lengthElement.text) : undefined;
  const isEvent = objectName.endsWith('__e');
  if (isEvent && !PLATFORM_EVENT_FIELD_TYPES.has(type))
    at(childOf(root, 'type'), `A platform event field cannot be of type ${type}: only ${[...PLATFORM_EVENT_FIELD_TYPES].join(', ')}`);
  if (type === 'Text' && (length === undefined || !Number.isInteger(length) || length < 1 || length > 255))
    at(lengthElement, `Text field length must be between 1 and 255 (was ${lengthElement?.text ?? 'missing'})`);
  if ((type === 'LongTextArea' || type === 'Html') && (length === undefined || !Number.isInteger(length) || length < 256 || length > 131_072))
    at(lengthElement, `${type} field length must be between 256 and 131072 (was ${lengthElement?.text ?? 'missing'})`);
  if ((type === 'LongTextArea' || type === 'Html') && !isEvent && childOf(root, 'visibleLines') === undefined)
    at(root, 'Required field is missing: visibleLines');
  if (type === 'Number' || type === 'Currency' || type === 'Percent') {
    const precision = Number(textOf(root, 'precision') ?? NaN);
    const scale = Number(textOf(root, 'scale') ?? 0);
    if (!(precision >= 1 && precision <= 18)) at(childOf(root, 'precision'), `${type} field precision must be between 1 and 18`);
    else if (!(scale >= 0 && scale <= precision)) at(childOf(root, 'scale'), `${type} field scale must be between 0 and the precision (${precision})`);
  }
  if (type === 'Picklist' || type === 'MultiselectPicklist') picklistRules(component, context);
  else if (childOf(root, 'valueSet')) at(childOf(root, 'valueSet'), `A ${type} field has no value set`);
};

function picklistRules(component: SourceComponent, context: RuleContext): void {
  const valueSet = childOf(component.root, 'valueSet');
  const definition = valueSet && childOf(valueSet, 'valueSetDefinition');
  if (!valueSet || (!definition && !childOf(valueSet, 'valueSetName'))) {
    context.problems.at(component, valueSet ?? component.root, 'Required field is missing: valueSet (a picklist needs its values or a global value set)');
    return;
  }
  if (!definition) return;
  const values = childrenOf(definition, 'value');
  if (values.length === 0) context.problems.at(component, definition, 'A picklist needs at least one value');
  if (values.length > 1000) context.problems.at(component, definition, `A picklist takes at most 1000 values (has ${values.length})`);
  const seen = new Set<string>();
  let defaults = 0;
  for (const value of values) {
    const name = textOf(value, 'fullName') ?? '';
    if (name === '') context.problems.at(component, value, 'Required field is missing: fullName (picklist value)');
    if (seen.has(name.toLowerCase())) context.problems.at(component, childOf(value, 'fullName') ?? value, `Duplicate picklist value: ${name}`);
    seen.add(name.toLowerCase());
    lengthProblem(component, context, childOf(value, 'fullName'), 'picklist value', 255);
    lengthProblem(component, context, childOf(value, 'label'), 'picklist label', 255);
    if (textOf(value, 'default') === 'true' && ++defaults === 2)
      context.problems.at(component, childOf(value, 'default') ?? value, 'A picklist can have only one default value');
  }
}

const customObject: Rule = (component, context) => {
  const { root, fullName } = component;
  const custom = /__(c|e)$/.exec(fullName);
  if (!custom) return; // a standard object's file only carries its customisations
  const problem = nameProblem(fullName.slice(0, -3), 40);
  if (problem) context.problems.at(component, root, problem);
  for (const required of ['label', 'pluralLabel', 'deploymentStatus']) {
    if (!textOf(root, required)) context.problems.at(component, root, `Required field is missing: ${required}`);
  }
  lengthProblem(component, context, childOf(root, 'label'), 'label', 40);
  lengthProblem(component, context, childOf(root, 'pluralLabel'), 'pluralLabel', 40);
  if (custom[1] === 'e' && !textOf(root, 'eventType')) context.problems.at(component, root, 'Required field is missing: eventType');
  if (custom[1] === 'e' && childOf(root, 'sharingModel'))
    context.problems.at(component, childOf(root, 'sharingModel'), 'A platform event has no sharing model');
};

const permissionSet: Rule = (component, context) => {
  const { root } = component;
  const problem = nameProblem(component.fullName, 80);
  if (problem) context.problems.at(component, root, problem);
  lengthProblem(component, context, childOf(root, 'label'), 'label', 80);
  const unique = (element: string, key: string, kind: string): void => {
    const seen = new Set<string>();
    for (const entry of childrenOf(root, element)) {
      const name = textOf(entry, key) ?? '';
      if (seen.has(name)) context.problems.at(component, entry, `${kind} ${name} is listed twice`);
      seen.add(name);
    }
  };
  unique('objectPermissions', 'object', 'Object permissions for');
  unique('fieldPermissions', 'field', 'Field permissions for');
};

const flow: Rule = (component, context) => {
  const { root } = component;
  const names = new Map<string, XmlElement>();
  for (const element of root.children) {
    const name = textOf(element, 'name');
    if (name === undefined) continue;
    if (names.has(name)) context.problems.at(component, element, `The flow element name ${name} is used twice`);
    names.set(name, element);
    if (!NAME.test(name) || name.endsWith('_')) context.problems.at(component, element, nameProblem(name, 80) ?? `${name}: invalid flow element name`);
  }
  const walk = (element: XmlElement): void => {
    for (const child of element.children) {
      if (child.name === 'targetReference' && !names.has(child.text))
        context.problems.at(component, child, `The element ${child.text} that a connector targets doesn't exist in this flow`);
      if ((child.name === 'elementReference' || child.name === 'leftValueReference' || child.name === 'assignToReference') && !child.text.startsWith('$')) {
        const head = child.text.split('.')[0] ?? '';
        if (!names.has(head)) context.problems.at(component, child, `The element reference ${child.text} doesn't match any resource in this flow`);
      }
      walk(child);
    }
  };
  walk(root);
};

const RULES: Record<string, Rule> = {
  CustomField: customField,
  CustomObject: customObject,
  PermissionSet: permissionSet,
  Flow: flow,
  LightningComponentBundle: (c, x) => bundleRules(c, x),
};

export function ruleFor(componentType: string): Rule | undefined {
  return RULES[componentType];
}

/** Objects and fields of the org once this deploy is in: the standard ones plus the deploy's own. */
function orgAfterDeploy(context: RuleContext): Map<string, Set<string>> {
  const objects = new Map<string, Set<string>>();
  for (const [name, fields] of context.org.objects) objects.set(name, new Set(fields));
  for (const component of context.components) {
    const [objectName = '', fieldName] = component.fullName.split('.');
    if (component.componentType === 'CustomObject') {
      const fields =
        objects.get(objectName) ?? new Set<string>(objectName.endsWith('__e') ? PLATFORM_EVENT_STANDARD_FIELDS : ['Id', 'Name', 'CreatedDate', 'CreatedById']);
      objects.set(objectName, fields);
    }
    if (component.componentType === 'CustomField' && fieldName) {
      const fields = objects.get(objectName) ?? new Set<string>();
      fields.add(fieldName);
      objects.set(objectName, fields);
    }
  }
  return objects;
}

/** Every name a file gives of another component: objects, fields, flows, schema imports. */
export function referenceRules(context: RuleContext, scripts: ReadonlyArray<{ fileName: string; bundle: string; source: string }>): void {
  const objects = orgAfterDeploy(context);
  const flows = new Set(context.components.filter((c) => c.componentType === 'Flow').map((c) => c.fullName));
  const noObject = (name: string): string => `In field: object - no CustomObject named ${name} found`;
  const checkField = (component: SourceComponent, element: XmlElement, objectName: string, fieldName: string): void => {
    const fields = objects.get(objectName);
    if (!fields) context.problems.at(component, element, noObject(objectName));
    else if (!fields.has(fieldName)) context.problems.at(component, element, `In field: field - no CustomField named ${objectName}.${fieldName} found`);
  };
  for (const component of context.components) {
    const { root } = component;
    if (component.componentType === 'PermissionSet') {
      for (const entry of childrenOf(root, 'objectPermissions')) {
        const name = textOf(entry, 'object') ?? '';
        if (!objects.has(name)) context.problems.at(component, childOf(entry, 'object') ?? entry, noObject(name));
      }
      for (const entry of childrenOf(root, 'fieldPermissions')) {
        const [objectName = '', fieldName = ''] = (textOf(entry, 'field') ?? '').split('.');
        checkField(component, childOf(entry, 'field') ?? entry, objectName, fieldName);
      }
      for (const entry of childrenOf(root, 'flowAccesses')) {
        const name = textOf(entry, 'flow') ?? '';
        if (!flows.has(name)) context.problems.at(component, childOf(entry, 'flow') ?? entry, `In field: flow - no Flow named ${name} found`);
      }
    }
    if (component.componentType === 'Flow') {
      for (const element of root.children) {
        const objectName = textOf(element, 'object');
        if (objectName === undefined) continue;
        if (!objects.has(objectName)) {
          context.problems.at(component, childOf(element, 'object') ?? element, noObject(objectName));
          continue;
        }
        for (const list of ['inputAssignments', 'filters', 'outputAssignments']) {
          for (const entry of childrenOf(element, list)) {
            const field = childOf(entry, 'field');
            if (field) checkField(component, field, objectName, field.text);
          }
        }
        for (const field of childrenOf(element, 'queriedFields')) checkField(component, field, objectName, field.text);
      }
    }
    if (component.componentType === 'QuickAction') {
      const objectName = component.fullName.includes('.') ? (component.fullName.split('.')[0] ?? '') : undefined;
      if (objectName !== undefined && !objects.has(objectName)) context.problems.at(component, root, noObject(objectName));
      const target = childOf(root, 'flowDefinition');
      if (textOf(root, 'type') === 'Flow' && !target) context.problems.at(component, root, 'Required field is missing: flowDefinition');
      if (target && !flows.has(target.text)) context.problems.at(component, target, `In field: flowDefinition - no Flow named ${target.text} found`);
    }
  }
  for (const script of scripts) {
    const owner = { fileName: script.fileName, fullName: script.bundle, componentType: 'LightningComponentBundle' };
    for (const match of script.source.matchAll(/from\s+['"]@salesforce\/schema\/([^'"]+)['"]/g)) {
      const [objectName = '', fieldName, ...rest] = (match[1] ?? '').split('.');
      const line = script.source.slice(0, match.index).split('\n').length;
      const at = { line, column: 1 };
      if (!objects.has(objectName))
        context.problems.at(owner, at, `Invalid reference ${objectName} of type sobjectClass in file ${path.basename(script.fileName)}`);
      else if (fieldName && rest.length === 0 && !objects.get(objectName)?.has(fieldName))
        context.problems.at(owner, at, `Invalid reference ${objectName}.${fieldName} of type sobjectField in file ${path.basename(script.fileName)}`);
    }
  }
}

/** js-meta.xml's targetConfigs (lightning-components docs, "XML Configuration File Elements"). */
const TARGET_CONFIG_CHILDREN = new Set(['objects', 'property', 'supportedFormFactors', 'dataProviders', 'actionType', 'event', 'propertyType', 'sourceType']);
const FORM_FACTORS = new Set(['Small', 'Large']);

function bundleRules(component: SourceComponent, context: RuleContext): void {
  const targets = new Set(childrenOf(childOf(component.root, 'targets') ?? component.root, 'target').map((t) => t.text));
  const configs = childOf(component.root, 'targetConfigs');
  if (!configs) return;
  const fail = (element: XmlElement, problem: string): void => context.problems.at(component, element, problem);
  const objects = orgAfterDeploy(context);
  for (const config of configs.children) {
    if (config.name !== 'targetConfig') {
      fail(config, `Invalid element ${config.name} in targetConfigs: only targetConfig`);
      continue;
    }
    const named = (config.attributes['targets'] ?? '').split(',').map((t) => t.trim());
    for (const target of named) if (!targets.has(target)) fail(config, `The targetConfig's target ${target || '(none)'} is not one of the bundle's targets`);
    for (const child of config.children) {
      if (!TARGET_CONFIG_CHILDREN.has(child.name)) fail(child, `Invalid element ${child.name} in targetConfig`);
      if (child.name === 'objects')
        for (const object of child.children)
          if (object.name !== 'object' || !objects.has(object.text)) fail(object, `Invalid reference ${object.text} of type sobjectClass`);
      if (child.name === 'supportedFormFactors')
        for (const factor of child.children) {
          if (factor.name !== 'supportedFormFactor' || !FORM_FACTORS.has(factor.attributes['type'] ?? ''))
            fail(factor, `Invalid supportedFormFactor type '${factor.attributes['type'] ?? ''}': Small or Large`);
        }
    }
  }
}
