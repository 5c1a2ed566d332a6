/**
 * Every element of the platform events' metadata (object and fields) is one the Metadata API
 * defines for its type: a misspelt element (`<publishBehaviour>`) is refused by a real deploy, and
 * nothing of ours would notice before that. The oracle is Salesforce's own type list,
 * `@salesforce/types` (generated from the Metadata WSDL, shipped with source-deploy-retrieve), read
 * with the TypeScript compiler, not a list of ours. Only the top-level elements are checked here;
 * the full schema validation is issue 23's.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { XMLParser } from 'fast-xml-parser';

const ROOT = path.resolve(__dirname, '../..');
const OBJECTS = path.join(ROOT, 'salesforce/force-app/main/default/objects');
// Installed with @salesforce/source-deploy-retrieve (a dev dependency), hoisted to the root.
const TYPES = path.join(ROOT, 'node_modules/@salesforce/types/lib/metadata.d.ts');

/** The element names of a metadata type in `@salesforce/types` (its own and those of `Metadata`). */
const cache = new Map<string, Set<string>>();
function elementsOf(typeName: string): Set<string> {
  const cached = cache.get(typeName);
  if (cached) return cached;
  const source = ts.createSourceFile(TYPES, fs.readFileSync(TYPES, 'utf8'), ts.ScriptTarget.Latest, false);
  const declarations = new Map<string, ts.TypeNode>();
  source.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node)) declarations.set(node.name.text, node.type);
  });
  const names = new Set<string>();
  const collect = (type: ts.TypeNode | undefined): void => {
    if (!type) return;
    if (ts.isIntersectionTypeNode(type)) type.types.forEach(collect);
    else if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) collect(declarations.get(type.typeName.text));
    else if (ts.isTypeLiteralNode(type)) for (const member of type.members) if (member.name && ts.isIdentifier(member.name)) names.add(member.name.text);
  };
  collect(declarations.get(typeName));
  if (names.size === 0) throw new Error(`@salesforce/types defines no ${typeName}`);
  cache.set(typeName, names);
  return names;
}

const parser = new XMLParser({ ignoreAttributes: true });

/** The root element's name and its child elements' names. */
function topLevel(file: string): { root: string; children: string[] } {
  const doc = parser.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const root = Object.keys(doc).find((key) => key !== '?xml');
  if (!root) throw new Error(`${file} has no root element`);
  const body = doc[root];
  return { root, children: body && typeof body === 'object' ? Object.keys(body) : [] };
}

const eventDirs = fs.readdirSync(OBJECTS).filter((name) => name.endsWith('__e'));
const files = eventDirs.flatMap((dir) => {
  const fieldsDir = path.join(OBJECTS, dir, 'fields');
  const fields = fs.existsSync(fieldsDir) ? fs.readdirSync(fieldsDir).map((f) => path.join(fieldsDir, f)) : [];
  return [path.join(OBJECTS, dir, `${dir}.object-meta.xml`), ...fields];
});

describe('platform event metadata elements', () => {
  it('covers the main event, Use_of_Funds__e, and its fields', () => {
    expect(eventDirs).toContain('Use_of_Funds__e');
    expect(files.filter((f) => f.includes('Use_of_Funds__e')).length).toBeGreaterThanOrEqual(4);
  });

  it('reads the type list from Salesforce: a real element is known, a misspelt one is not', () => {
    expect(elementsOf('CustomObject').has('publishBehavior')).toBe(true);
    expect(elementsOf('CustomObject').has('publishBehaviour')).toBe(false);
  });

  it.each(files.map((f) => [path.relative(OBJECTS, f), f]))('%s uses only elements its metadata type defines', (_name, file) => {
    const { root, children } = topLevel(file);
    expect(['CustomObject', 'CustomField']).toContain(root);
    const known = elementsOf(root);
    expect(children.filter((element) => !known.has(element))).toEqual([]);
  });
});
