/**
 * A metadata file as an element tree that keeps what a deploy's error report needs: every element
 * in document order (repeated ones included), its attributes, its text and its line and column.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (trimmed), '' when it has only children. */
  text: string;
  line: number;
  column: number;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  captureMetaData: true,
});
const META: symbol = XMLParser.getMetaDataSymbol() as unknown as symbol;

type OrderedNode = Record<string, unknown>;

/** Parses one file; a file that is not well-formed XML gives its parser error and position instead. */
export function parseMetadataXml(xml: string): { root: XmlElement } | { error: string; line: number; column: number } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { error: valid.err.msg, line: valid.err.line, column: valid.err.col };
  const lineStarts = [0];
  for (let i = 0; i < xml.length; i++) if (xml[i] === '\n') lineStarts.push(i + 1);
  const position = (index: number): { line: number; column: number } => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: index - (lineStarts[low] ?? 0) + 1 };
  };
  const toElement = (node: OrderedNode): XmlElement | undefined => {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (!name || name.startsWith('?') || name.startsWith('!')) return undefined;
    const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[META];
    const body = (node[name] as OrderedNode[] | undefined) ?? [];
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries((node[':@'] as Record<string, unknown> | undefined) ?? {})) attributes[key] = String(value);
    const children: XmlElement[] = [];
    let text = '';
    for (const child of body) {
      if ('#text' in child) text += String(child['#text']);
      else {
        const element = toElement(child);
        if (element) children.push(element);
      }
    }
    return { name, attributes, children, text: text.trim(), ...position(meta?.startIndex ?? 0) };
  };
  const roots = (parser.parse(xml) as OrderedNode[]).map(toElement).filter((e): e is XmlElement => e !== undefined);
  const [root] = roots;
  if (!root) return { error: 'no root element', line: 1, column: 1 };
  return { root };
}

/** The first child called `name`. */
export function childOf(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** The text of the first child called `name`. */
export function textOf(element: XmlElement, name: string): string | undefined {
  return childOf(element, name)?.text;
}

export function childrenOf(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
