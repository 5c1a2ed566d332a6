/**
 * Reads the org's custom metadata from the SFDX source the Salesforce adapter deploys
 * (`salesforce/force-app/main/default/objects/**`), so the simulator and a real org are
 * defined by the same files: a field added there appears in the simulator's describe, SOQL,
 * REST validation and Avro schema without touching simulator code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { projectRoot } from './projectRoot';

export interface CustomFieldSource {
  fullName: string;
  label: string;
  type: string;
  length: number | undefined;
  required: boolean;
  /** Picklist values in the file's order (empty for other types). */
  picklist: Array<{ value: string; label: string; isDefault: boolean }>;
  restrictedPicklist: boolean;
}

export interface PlatformEventSource {
  name: string;
  label: string;
  eventType: string;
  publishBehavior: string;
  fields: CustomFieldSource[];
}

/** One `objectPermissions` entry of a permission set. */
export interface ObjectPermissionSource {
  allowCreate: boolean;
  allowRead: boolean;
  allowEdit: boolean;
  allowDelete: boolean;
  viewAllRecords: boolean;
  modifyAllRecords: boolean;
}

export interface PermissionSetSource {
  name: string;
  label: string;
  /** From an optional package deployed on its own (`extraSourceDirs`), not from force-app. */
  optional: boolean;
  /** By object API name, as written in the file (`Case`, `Use_of_Funds__e`). */
  objects: Map<string, ObjectPermissionSource>;
  /** By `Object.Field`, as written in the file. */
  fields: Map<string, { readable: boolean; editable: boolean }>;
  /** Enabled user permissions (`ViewSetup`). */
  userPermissions: Set<string>;
}

/** The four files of an External Client App with its OAuth plugin (each may be absent). */
export interface ExternalClientAppSource {
  name: string;
  label: string | undefined;
  distributionState: string | undefined;
  /** `ExtlClntAppOauthSettings`: the plugin itself (scopes). */
  oauthSettings: { scopes: string[] } | undefined;
  /** `ExtlClntAppGlobalOauthSettings`: the developer's switches (client credentials flow, JWT certificate). */
  globalOauth:
    { isClientCredentialsFlowEnabled: boolean; callbackUrl: string | undefined; certificate: string | undefined; hasConsumerSecret: boolean } | undefined;
  /** `ExtlClntAppOauthConfigurablePolicies`: the admin's policies (run-as user, pre-authorised permission sets). */
  policies:
    | {
        isClientCredentialsFlowEnabled: boolean;
        clientCredentialsFlowUser: string | undefined;
        permittedUsersPolicyType: string | undefined;
        permissionSets: string[];
        file: string;
      }
    | undefined;
}

export interface SfdxMetadata {
  platformEvents: PlatformEventSource[];
  /** Custom fields added to standard objects, by object name (e.g. `Case`). */
  standardObjectFields: Map<string, CustomFieldSource[]>;
  permissionSets: PermissionSetSource[];
  externalClientApps: ExternalClientAppSource[];
}

/** `<repo>/salesforce`: the SFDX project the simulator reads. */
export const DEFAULT_SFDX_PROJECT_DIR = path.join(projectRoot(), 'salesforce');

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // keep "18" and "true" as text; converted explicitly below
  trimValues: true,
  isArray: (name) => ['value', 'packageDirectories', 'objectPermissions', 'fieldPermissions', 'userPermissions'].includes(name),
});

/**
 * Reads the default package directory of `projectDir` (what `sf project deploy start` deploys),
 * plus any `extraSourceDirs` (optional packages deployed on their own, such as legacy Chat access).
 */
export function readSfdxMetadata(projectDir: string = DEFAULT_SFDX_PROJECT_DIR, extraSourceDirs: readonly string[] = []): SfdxMetadata {
  const sourceDir = packageSourceDir(projectDir);
  const metadata = readObjects(path.join(sourceDir, 'objects'));
  const permissionSets = readPermissionSets(path.join(sourceDir, 'permissionsets'), false);
  for (const extra of extraSourceDirs) permissionSets.push(...readPermissionSets(path.join(extra, 'permissionsets'), true));
  return { ...metadata, permissionSets, externalClientApps: readExternalClientApps(sourceDir) };
}

function readObjects(objectsDir: string): Pick<SfdxMetadata, 'platformEvents' | 'standardObjectFields'> {
  if (!existsSync(objectsDir)) {
    throw new Error(`SFDX objects folder not found: ${objectsDir}`);
  }
  const platformEvents: PlatformEventSource[] = [];
  const standardObjectFields = new Map<string, CustomFieldSource[]>();
  for (const objectName of readdirSync(objectsDir).sort()) {
    const objectDir = path.join(objectsDir, objectName);
    const fields = readFields(path.join(objectDir, 'fields'));
    if (objectName.endsWith('__e')) {
      const file = path.join(objectDir, `${objectName}.object-meta.xml`);
      const object = asRecord(parseXml(file)['CustomObject'], file);
      platformEvents.push({
        name: objectName,
        label: text(object['label']) ?? objectName,
        eventType: text(object['eventType']) ?? 'HighVolume',
        publishBehavior: text(object['publishBehavior']) ?? 'PublishAfterCommit',
        fields,
      });
    } else if (!objectName.endsWith('__c')) {
      standardObjectFields.set(objectName, fields);
    }
    // Custom objects (`__c`) are not needed by the bot; they are ignored rather than half-supported.
  }
  return { platformEvents, standardObjectFields };
}

/** Every `*.permissionset-meta.xml` of a folder (none when the folder is absent). */
function readPermissionSets(dir: string, optional: boolean): PermissionSetSource[] {
  return metadataFiles(dir, '.permissionset-meta.xml').map((f) => {
    const file = path.join(dir, f);
    const set = asRecord(parseXml(file)['PermissionSet'], file);
    const objects = new Map<string, ObjectPermissionSource>();
    for (const entry of asArray(set['objectPermissions'])) {
      const o = asRecord(entry, file);
      const name = text(o['object']);
      if (!name) throw new Error(`${file}: objectPermissions without <object>`);
      objects.set(name, {
        allowCreate: flag(o['allowCreate']),
        allowRead: flag(o['allowRead']),
        allowEdit: flag(o['allowEdit']),
        allowDelete: flag(o['allowDelete']),
        viewAllRecords: flag(o['viewAllRecords']),
        modifyAllRecords: flag(o['modifyAllRecords']),
      });
    }
    const fields = new Map<string, { readable: boolean; editable: boolean }>();
    for (const entry of asArray(set['fieldPermissions'])) {
      const p = asRecord(entry, file);
      const name = text(p['field']);
      if (!name) throw new Error(`${file}: fieldPermissions without <field>`);
      fields.set(name, { readable: flag(p['readable']), editable: flag(p['editable']) });
    }
    const userPermissions = new Set<string>();
    for (const entry of asArray(set['userPermissions'])) {
      const p = asRecord(entry, file);
      const permission = text(p['name']);
      if (permission && flag(p['enabled'])) userPermissions.add(permission);
    }
    const name = f.replace('.permissionset-meta.xml', '');
    return { name, label: text(set['label']) ?? name, optional, objects, fields, userPermissions };
  });
}

/** The External Client Apps of a source folder, each with whichever of its OAuth files exist. */
function readExternalClientApps(sourceDir: string): ExternalClientAppSource[] {
  const appsDir = path.join(sourceDir, 'externalClientApps');
  if (!existsSync(appsDir)) return [];
  const byApp = <T>(folder: string, suffix: string, root: string, read: (element: Record<string, unknown>, file: string) => T): Map<string, T> => {
    const dir = path.join(sourceDir, folder);
    const found = new Map<string, T>();
    for (const f of metadataFiles(dir, suffix)) {
      const file = path.join(dir, f);
      const element = asRecord(parseXml(file)[root], file);
      const app = text(element['externalClientApplication']);
      if (!app) throw new Error(`${file}: <externalClientApplication> is required`);
      if (found.has(app)) throw new Error(`${file}: a second ${root} for ${app}`);
      found.set(app, read(element, file));
    }
    return found;
  };
  const settings = byApp('extlClntAppOauthSettings', '.ecaOauth-meta.xml', 'ExtlClntAppOauthSettings', (e) => ({
    scopes: (text(e['commaSeparatedOauthScopes']) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  }));
  const globals = byApp('extlClntAppGlobalOauthSets', '.ecaGlblOauth-meta.xml', 'ExtlClntAppGlobalOauthSettings', (e) => ({
    isClientCredentialsFlowEnabled: flag(e['isClientCredentialsFlowEnabled']),
    callbackUrl: text(e['callbackUrl']),
    certificate: text(e['certificate']),
    hasConsumerSecret: e['consumerSecret'] !== undefined || e['consumerKey'] !== undefined,
  }));
  const policies = byApp('extlClntAppOauthPolicies', '.ecaOauthPlcy-meta.xml', 'ExtlClntAppOauthConfigurablePolicies', policiesOf);
  return metadataFiles(appsDir, '.eca-meta.xml').map((f) => {
    const file = path.join(appsDir, f);
    const app = asRecord(parseXml(file)['ExternalClientApplication'], file);
    const name = f.replace('.eca-meta.xml', '');
    return {
      name,
      label: text(app['label']),
      distributionState: text(app['distributionState']),
      oauthSettings: settings.get(name),
      globalOauth: globals.get(name),
      policies: policies.get(name),
    };
  });
}

type Policies = NonNullable<ExternalClientAppSource['policies']>;

function policiesOf(e: Record<string, unknown>, file: string): Policies {
  return {
    isClientCredentialsFlowEnabled: flag(e['isClientCredentialsFlowEnabled']),
    clientCredentialsFlowUser: text(e['clientCredentialsFlowUser']),
    permittedUsersPolicyType: text(e['permittedUsersPolicyType']),
    permissionSets: (text(e['commaSeparatedPermissionSet']) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    file,
  };
}

/** Reads OAuth policies from XML that is not (yet) a file of force-app, e.g. what `sf:configure` would write. */
export function parsePolicies(xml: string, source: string): Policies {
  const doc = asRecord(parser.parse(xml), source);
  return policiesOf(asRecord(doc['ExtlClntAppOauthConfigurablePolicies'], source), source);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function flag(value: unknown): boolean {
  return text(value) === 'true';
}

/** `<project>/<default package directory>/main/default`: what `sf project deploy start` deploys from the project. */
export function packageSourceDir(projectDir: string): string {
  return path.join(projectDir, defaultPackagePath(projectDir), 'main', 'default');
}

function defaultPackagePath(projectDir: string): string {
  const projectFile = path.join(projectDir, 'sfdx-project.json');
  const project = JSON.parse(readFileSync(projectFile, 'utf8')) as {
    packageDirectories?: Array<{ path?: string; default?: boolean }>;
  };
  const dirs = project.packageDirectories ?? [];
  const chosen = dirs.find((d) => d.default) ?? dirs[0];
  if (!chosen?.path) throw new Error(`${projectFile}: no packageDirectories[].path`);
  return chosen.path;
}

function readFields(fieldsDir: string): CustomFieldSource[] {
  return metadataFiles(fieldsDir, '.field-meta.xml').map((f) => {
    const file = path.join(fieldsDir, f);
    const field = asRecord(parseXml(file)['CustomField'], file);
    const fullName = text(field['fullName']) ?? f.replace('.field-meta.xml', '');
    const valueSet = field['valueSet'] === undefined ? undefined : asRecord(field['valueSet'], file);
    const definition = valueSet?.['valueSetDefinition'] === undefined ? undefined : asRecord(valueSet['valueSetDefinition'], file);
    const values = Array.isArray(definition?.['value']) ? (definition['value'] as unknown[]) : [];
    const length = text(field['length']);
    return {
      fullName,
      label: text(field['label']) ?? fullName,
      type: text(field['type']) ?? 'Text',
      length: length === undefined ? undefined : Number(length),
      required: text(field['required']) === 'true',
      restrictedPicklist: text(valueSet?.['restricted']) === 'true',
      picklist: values.map((v) => {
        const value = asRecord(v, file);
        const name = text(value['fullName']) ?? '';
        return { value: name, label: text(value['label']) ?? name, isDefault: text(value['default']) === 'true' };
      }),
    };
  });
}

function parseXml(file: string): Record<string, unknown> {
  return asRecord(parser.parse(readFileSync(file, 'utf8')), file);
}

function asRecord(value: unknown, file: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: unexpected metadata shape`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** The files of `dir` whose names end in `suffix`, sorted (none when the folder is absent). */
function metadataFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort();
}
