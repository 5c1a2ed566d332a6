/**
 * What `sf project deploy start` would be told by the org, computed offline: every file of a
 * package directory is checked against the Metadata API's own schema (`@salesforce/types`, from
 * the Metadata WSDL: element names, nesting, repetition, required elements, primitive types and
 * enumerations) and then against the documented rules the schema does not carry (metadataRules.ts).
 * Failures come back as the Metadata API's `DeployMessage`s (DeployResult.details.componentFailures:
 * changed, columnNumber, componentType, created, createdDate, deleted, fileName, fullName,
 * lineNumber, problem, problemType, success), one per problem, so a test can name file and element.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { metadataSchema, type MetadataSchema } from './metadataSchema';
import { METADATA_NS, parseMetadataXml, type XmlElement } from './metadataXml';
import { ProblemList, type DeployMessage, type SourceComponent } from './deployProblems';
import { referenceRules, ruleFor, type OrgSchema, type RuleContext } from './metadataRules';

export { ProblemList, type DeployMessage, type SourceComponent } from './deployProblems';
export type { OrgSchema } from './metadataRules';

/**
 * Validates the package directories deployed together (`sourceDirs`, each a `…/main/default`),
 * against an org whose standard objects are `org`. Returns every problem; an empty list deploys.
 */
export function validateMetadataSource(sourceDirs: readonly string[], projectDir: string, org: OrgSchema): DeployMessage[] {
  const schema = metadataSchema();
  const problems = new ProblemList();
  const components: SourceComponent[] = [];
  const scripts: Array<{ fileName: string; bundle: string; source: string }> = [];
  for (const dir of sourceDirs) {
    for (const file of filesUnder(dir)) {
      const relative = path.relative(dir, file).split(path.sep);
      if (relative.includes('__tests__')) continue; // .forceignore keeps the LWC tests out of a deploy
      const fileName = path.relative(projectDir, file).split(path.sep).join('/');
      if (relative[0] === 'lwc' && file.endsWith('.js')) {
        scripts.push({ fileName, bundle: relative[1] ?? '', source: readFileSync(file, 'utf8') });
        continue;
      }
      if (!file.endsWith('-meta.xml')) continue;
      const fullName = fullNameOf(relative);
      const parsed = parseMetadataXml(readFileSync(file, 'utf8'));
      if ('error' in parsed) {
        problems.at({ fileName, fullName, componentType: '' }, parsed, `Error parsing file: ${parsed.error}`);
        continue;
      }
      const component: SourceComponent = { fileName, absolutePath: file, componentType: parsed.root.name, fullName, root: parsed.root };
      if (validateRoot(schema, component, problems)) components.push(component);
    }
  }
  const context: RuleContext = { org, components, problems };
  for (const component of components) ruleFor(component.componentType)?.(component, context);
  referenceRules(context, scripts);
  return problems.messages;
}

/** Structural check of one file against its type; false when the root itself is not a metadata type. */
function validateRoot(schema: MetadataSchema, component: SourceComponent, problems: ProblemList): boolean {
  const { root } = component;
  if (root.attributes['xmlns'] !== METADATA_NS) {
    problems.at(component, root, `Error parsing file: the root element ${root.name} is not in the namespace ${METADATA_NS}`);
    return false;
  }
  if (!schema.isMetadataType(root.name)) {
    problems.at(component, root, `Error parsing file: Element {${METADATA_NS}}${root.name} is not a metadata type`);
    return false;
  }
  const before = problems.messages.length;
  validateElement(schema, root, root.name, component, problems);
  return problems.messages.length === before;
}

/** Salesforce's own wording for an element its parser does not expect there. */
const invalidHere = (name: string, type: string): string => `Error parsing file: Element {${METADATA_NS}}${name} invalid at this location in type ${type}`;

function validateElement(schema: MetadataSchema, element: XmlElement, typeName: string, component: SourceComponent, problems: ProblemList): void {
  // LightningComponentBundle.targetConfigs is typed `string` in the WSDL: its content follows the
  // js-meta.xml schema (lightning-components docs, "XML Configuration File Elements"), checked in metadataRules.
  if (component.componentType === 'LightningComponentBundle' && element.name === 'targetConfigs') return;
  const spec = schema.type(typeName);
  if (!spec) return;
  if (spec.kind !== 'complex') {
    const nested = element.children[0];
    if (nested) return problems.at(component, nested, invalidHere(nested.name, typeName));
    const problem = valueProblem(spec, typeName, element.text);
    if (problem) problems.at(component, element, problem);
    return;
  }
  const seen = new Set<string>();
  for (const child of element.children) {
    const childSpec = spec.elements.get(child.name);
    if (!childSpec || (!childSpec.array && seen.has(child.name))) {
      problems.at(component, child, invalidHere(child.name, typeName));
      continue;
    }
    seen.add(child.name);
    validateElement(schema, child, childSpec.type, component, problems);
  }
  for (const [name, childSpec] of spec.elements) {
    // minOccurs="1" in the WSDL. `fullName` comes from the file name in source format.
    if (!childSpec.optional && !seen.has(name) && name !== 'fullName')
      problems.at(component, element, `Required field is missing: ${name} (in type ${typeName})`);
  }
}

function valueProblem(spec: ReturnType<MetadataSchema['type']> & object, typeName: string, value: string): string | undefined {
  if (spec.kind === 'enum') return spec.values.has(value) ? undefined : `'${value}' is not a valid value for the enum '${typeName}'`;
  if (spec.kind !== 'primitive') return undefined;
  switch (spec.name) {
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : `'${value}' is not a valid value for the type xsd:boolean`;
    case 'number':
      return value !== '' && Number.isFinite(Number(value)) ? undefined : `'${value}' is not a valid value for the type xsd:double`;
    case 'dateTime':
      return Number.isNaN(Date.parse(value)) ? `'${value}' is not a valid value for the type xsd:dateTime` : undefined;
    default:
      return undefined;
  }
}

/** A component's full name from its path under `main/default`, as the Salesforce CLI names it. */
function fullNameOf(relative: readonly string[]): string {
  const base = (relative[relative.length - 1] ?? '').replace(/\.[^.]+-meta\.xml$/, '');
  if (relative[0] === 'objects' && relative.length === 4) return `${relative[1]}.${base}`; // objects/Case/fields/X.field-meta.xml
  if (relative[0] === 'lwc' || relative[0] === 'aura') return relative[1] ?? base;
  return base;
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => path.join(f.parentPath, f.name))
      .sort();
  } catch {
    return [];
  }
}
