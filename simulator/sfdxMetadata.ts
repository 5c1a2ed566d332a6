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

export interface SfdxMetadata {
  platformEvents: PlatformEventSource[];
  /** Custom fields added to standard objects, by object name (e.g. `Case`). */
  standardObjectFields: Map<string, CustomFieldSource[]>;
}

/** `<repo>/salesforce`: the SFDX project the simulator reads. */
export const DEFAULT_SFDX_PROJECT_DIR = path.join(projectRoot(), 'salesforce');

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // keep "18" and "true" as text; converted explicitly below
  trimValues: true,
  isArray: (name) => name === 'value' || name === 'packageDirectories',
});

export function readSfdxMetadata(projectDir: string = DEFAULT_SFDX_PROJECT_DIR): SfdxMetadata {
  const objectsDir = path.join(projectDir, defaultPackagePath(projectDir), 'main', 'default', 'objects');
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
  if (!existsSync(fieldsDir)) return [];
  return readdirSync(fieldsDir)
    .filter((f) => f.endsWith('.field-meta.xml'))
    .sort()
    .map((f) => {
      const file = path.join(fieldsDir, f);
      const field = asRecord(parseXml(file)['CustomField'], file);
      const fullName = text(field['fullName']) ?? f.replace('.field-meta.xml', '');
      const valueSet = field['valueSet'] === undefined ? undefined : asRecord(field['valueSet'], file);
      const definition =
        valueSet?.['valueSetDefinition'] === undefined ? undefined : asRecord(valueSet['valueSetDefinition'], file);
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
