/**
 * The house rules of docs/ARCHITECTURE.md, checked on the source as it is: imports point down the
 * layers only, no import cycle (type-only imports count: they tie files together as much), no product
 * file over 350 lines outside simulator/ (a longer simulator file names the subsystem it simulates in
 * its header), and every error class of the product has a code from the one catalogue.
 *
 * Each rule is also run on a planted breach, so the check itself is shown able to fail.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../util/errors';

const ROOT = path.resolve(__dirname, '..');
const PRODUCT = ['bot', 'dialogs', 'cards', 'cowork', 'salesforce', 'storage', 'simulator', 'util'];
const MAX_LINES = 350;

/**
 * Who may import whom, by folder, as docs/ARCHITECTURE.md's layer table says. The composition root
 * (listed below, for each host) may import anything, and nothing of the product imports it.
 */
const ALLOWED: Record<string, readonly string[]> = {
  util: ['util'],
  // The core's own layers, the ports on top: the flow uses the stores and the domain, the stores the domain.
  cowork: ['cowork', 'util'],
  'cowork/flow': ['cowork/flow', 'cowork/stores', 'cowork/domain', 'cowork/ports.ts', 'util'],
  'cowork/stores': ['cowork/stores', 'cowork/domain', 'cowork/ports.ts', 'util'],
  'cowork/domain': ['cowork/domain', 'cowork/ports.ts', 'util'],
  cards: ['cards', 'cowork', 'util'],
  dialogs: ['dialogs', 'cards', 'cowork', 'util'],
  salesforce: ['salesforce', 'cowork', 'util'],
  // The store on Azure Table storage (and in memory) implements the core's store port.
  storage: ['storage', 'cowork/coworkStore.ts', 'util'],
  // The simulator knows nothing of the bot; it reads the shipped SFDX project's run-as rules like a deploy does.
  simulator: ['simulator', 'util', 'salesforce/runAsPolicy.ts'],
  // The channel edge, the turn, proactive work and handoff: no Salesforce wire format, no simulator.
  bot: ['bot', 'dialogs', 'cards', 'cowork', 'util'],
  // The configuration gathers every part's variables (Salesforce's, the simulator's) and validates them once.
  'bot/config': ['bot/config', 'salesforce', 'simulator', 'util'],
};
const COMPOSITION_ROOT = [
  'bot/main.ts',
  'bot/index.ts',
  'bot/startBot.ts',
  'bot/compositionRoot.ts',
  'bot/storage.ts',
  'bot/logger.ts',
  'bot/streams.ts',
  'bot/coworkMount.ts',
  // The Agents SDK host's: its process, its bot, and the mount that wires co-work into a host's AgentApplication.
  'bot/agents/start.ts',
  'bot/agents/startAgentsBot.ts',
  'bot/agents/mountCowork.ts',
  'bot/agents/index.ts',
];

interface SourceFile {
  path: string;
  text: string;
}

function productFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      const rel = path.posix.join(dir, name);
      if (name === 'force-app' || name === 'node_modules') continue;
      if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) files.push({ path: rel, text: readFileSync(path.join(ROOT, rel), 'utf8') });
    }
  };
  for (const dir of PRODUCT) walk(dir);
  return files;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\b(?:require|import)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The product files a file imports (relative imports, resolved as TypeScript does). */
function importsOf(file: SourceFile, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const match of file.text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (!spec) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec));
    const target = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => known.has(candidate));
    if (target) found.push(target);
  }
  return found;
}

/** The most specific row of ALLOWED a file belongs to (`cowork/flow` before `cowork`). */
function layerOf(file: string): string {
  const rows = Object.keys(ALLOWED).filter((row) => file.startsWith(`${row}/`));
  return rows.sort((a, b) => b.length - a.length)[0] ?? '';
}

function isCompositionRoot(file: string): boolean {
  return COMPOSITION_ROOT.some((root) => (root.endsWith('/') ? file.startsWith(root) : file === root));
}

/** Every import that goes where its layer may not. */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const breaches: string[] = [];
  for (const [from, targets] of graph) {
    if (isCompositionRoot(from)) continue;
    const allowed = ALLOWED[layerOf(from)] ?? [];
    for (const to of targets) {
      if (isCompositionRoot(to)) {
        breaches.push(`${from} -> ${to} (the composition root is imported by nothing of the product)`);
        continue;
      }
      const ok = allowed.some((entry) => to === entry || to.startsWith(`${entry}/`));
      if (!ok) breaches.push(`${from} -> ${to}`);
    }
  }
  return breaches.sort();
}

/** Every import cycle, as its files in order (Tarjan's strongly connected components of two or more files, or a file importing itself). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

const files = productFiles();
const known = new Set(files.map((f) => f.path));
const graph = new Map(files.map((f) => [f.path, importsOf(f, known)] as const));

describe('the layers of docs/ARCHITECTURE.md', () => {
  it('imports point down only', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('an upward import is found (the core importing the edge, the simulator importing the core, the domain a store, a store the flow)', () => {
    const planted = new Map(graph);
    planted.set('cowork/domain/session.ts', [...(graph.get('cowork/domain/session.ts') ?? []), 'bot/turn/coworkBot.ts']);
    planted.set('simulator/index.ts', [...(graph.get('simulator/index.ts') ?? []), 'cowork/domain/session.ts']);
    planted.set('bot/edge/server.ts', [...(graph.get('bot/edge/server.ts') ?? []), 'salesforce/caseStore.ts']);
    planted.set('cowork/domain/formToken.ts', [...(graph.get('cowork/domain/formToken.ts') ?? []), 'cowork/stores/links.ts']);
    planted.set('cowork/stores/links.ts', [...(graph.get('cowork/stores/links.ts') ?? []), 'cowork/flow/recovery.ts']);
    expect(upwardImports(planted)).toEqual([
      'bot/edge/server.ts -> salesforce/caseStore.ts',
      'cowork/domain/formToken.ts -> cowork/stores/links.ts',
      'cowork/domain/session.ts -> bot/turn/coworkBot.ts',
      'cowork/stores/links.ts -> cowork/flow/recovery.ts',
      'simulator/index.ts -> cowork/domain/session.ts',
    ]);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('a cycle is found, a type-only one too', () => {
    const planted = new Map(graph);
    planted.set('bot/edge/healthz.ts', [...(graph.get('bot/edge/healthz.ts') ?? []), 'bot/edge/server.ts']);
    expect(importCycles(planted)).toEqual([['bot/edge/healthz.ts', 'bot/edge/server.ts']]);
    const typeOnly = importsOf({ path: 'bot/edge/healthz.ts', text: "import type { ServerDeps } from './server';\n" }, known);
    expect(typeOnly).toEqual(['bot/edge/server.ts']);
  });

  it('every folder of the product is a row of the layer table, and every row a folder', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Layers'), doc.indexOf('\n## ', doc.indexOf('## Layers') + 1));
    const folders = [...new Set(files.map((f) => path.posix.dirname(f.path)))].sort();
    const named = [...table.matchAll(/`([a-z]+(?:\/[a-z]+)*)\/`/g)].map((m) => m[1]).sort();
    expect(folders.filter((folder) => !named.includes(folder))).toEqual([]);
    expect(named.filter((folder) => !folders.includes(folder ?? ''))).toEqual([]);
  });
});

describe('file size', () => {
  it(`no product file over ${MAX_LINES} lines outside simulator/; a longer simulator file says what it simulates`, () => {
    const over = files
      .map((f) => ({ path: f.path, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0), text: f.text }))
      .filter((f) => f.lines > MAX_LINES);
    expect(over.filter((f) => !f.path.startsWith('simulator/')).map((f) => `${f.path}: ${f.lines} lines`)).toEqual([]);
    const unexplained = over.filter((f) => f.path.startsWith('simulator/') && !/^\/\*\*[\s\S]*?Simulates:[^\n]+[\s\S]*?\*\//.test(f.text));
    expect(unexplained.map((f) => `${f.path}: ${f.lines} lines, no "Simulates:" line in its header`)).toEqual([]);
  });
});

describe('the error catalogue (util/errors.ts)', () => {
  it("every error class of the product (outside the simulator, whose errors are Salesforce's) extends CoworkError with a catalogue code", () => {
    const plainErrors = files
      .filter((f) => !f.path.startsWith('simulator/') && f.path !== 'util/errors.ts')
      .flatMap((f) => [...f.text.matchAll(/class (\w+) extends (Error|TypeError|RangeError)\b/g)].map((m) => `${f.path}: ${m[1]} extends ${m[2]}`));
    expect(plainErrors).toEqual([]);
    const codes = files.flatMap((f) => [...f.text.matchAll(/readonly code = '([A-Z_]+)'/g)].map((m) => m[1]));
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
  });

  it('one way to read a thrown value: no copy of `x instanceof Error ? x.message : String(x)`', () => {
    const copies = files
      .filter((f) => f.path !== 'util/errors.ts')
      .flatMap((f) => (/(\w+) instanceof Error \? \1\.message : String\(\1\)/.test(f.text) ? [f.path] : []));
    expect(copies).toEqual([]);
  });
});
