/**
 * The import graph of lib/, read from the TypeScript sources: every
 * `import ... from`, `export ... from` and bare `import '...'` of a relative
 * path, type-only ones included (a cycle through types still ties the files
 * together). Used by spec/architecture.spec.ts to keep the layers pointing
 * down, and by the layer diagram in docs/architecture.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** File (relative to the repository root, e.g. `lib/gen/runner.ts`) → the lib files it imports. */
export type ModuleGraph = Map<string, string[]>;

const IMPORT_FROM = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s+'([^']+)'/gm;
const BARE_IMPORT = /^\s*import\s+'([^']+)'/gm;

function sourceFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/** The relative specifiers a source file imports or re-exports from. */
export function importSpecifiers(source: string): string[] {
  const specifiers = [...source.matchAll(IMPORT_FROM), ...source.matchAll(BARE_IMPORT)].map((match) => match[1]);
  return specifiers.filter((specifier) => specifier.startsWith('.'));
}

/** Reads the graph of every `.ts` file under `dir` (default `lib`) of the repository at `root`. */
export function readModuleGraph(root: string, dir = 'lib'): ModuleGraph {
  const graph: ModuleGraph = new Map();
  for (const file of sourceFiles(root, dir)) {
    const source = readFileSync(join(root, file), 'utf8');
    const targets = importSpecifiers(source).map((specifier) =>
      posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'),
    );
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * The import cycles: each strongly connected component of more than one file
 * (or a file importing itself), as a sorted list of files (Tarjan's algorithm).
 */
export function importCycles(graph: ModuleGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    lowlink.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        lowlink.set(file, Math.min(lowlink.get(file)!, lowlink.get(target)!));
      } else if (onStack.has(target)) {
        lowlink.set(file, Math.min(lowlink.get(file)!, index.get(target)!));
      }
    }
    if (lowlink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** Every import `from → to` in the graph for which `forbidden` is true, as "from → to" lines. */
export function importsWhere(graph: ModuleGraph, forbidden: (from: string, to: string) => boolean): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (forbidden(from, to)) found.push(`${from} → ${to}`);
  }
  return found;
}

/** Each file's layer: 0 for a file that imports no lib file, else one more than the highest layer it imports. */
export function layersOf(graph: ModuleGraph): Map<string, number> {
  const layers = new Map<string, number>();
  const layerOf = (file: string): number => {
    const known = layers.get(file);
    if (known !== undefined) return known;
    const targets = (graph.get(file) ?? []).filter((target) => graph.has(target) && target !== file);
    const layer = targets.length === 0 ? 0 : 1 + Math.max(...targets.map(layerOf));
    layers.set(file, layer);
    return layer;
  };
  for (const file of graph.keys()) layerOf(file);
  return layers;
}

/**
 * The graph with every import dropped that another path already implies
 * (its transitive reduction; the graph must have no cycles): what is left
 * is what a picture needs to show which file builds on which.
 */
export function transitiveReduction(graph: ModuleGraph): ModuleGraph {
  const reachable = new Map<string, Set<string>>();
  const reach = (file: string): Set<string> => {
    let found = reachable.get(file);
    if (found !== undefined) return found;
    found = new Set();
    reachable.set(file, found);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target) || target === file) continue;
      found.add(target);
      for (const further of reach(target)) found.add(further);
    }
    return found;
  };
  const reduced: ModuleGraph = new Map();
  for (const [file, targets] of graph) {
    const direct = targets.filter((target) => graph.has(target) && target !== file);
    reduced.set(
      file,
      direct.filter((target) => !direct.some((other) => other !== target && reach(other).has(target))),
    );
  }
  return reduced;
}

/**
 * The layers of lib/ as a Mermaid flowchart (GitHub renders it): one node
 * per file, highest layer on top, an arrow from each file to what it builds
 * on (implied imports left out), entry points and internal/ styled apart.
 */
export function mermaidDiagram(graph: ModuleGraph): string {
  const layers = layersOf(graph);
  const reduced = transitiveReduction(graph);
  // Prefixed: a bare file name could be a Mermaid keyword (end, graph, subgraph).
  const id = (file: string) =>
    `m_${file
      .replace(/^lib\//, '')
      .replace(/\.ts$/, '')
      .replace(/[^A-Za-z0-9]/g, '_')}`;
  const label = (file: string) => file.replace(/^lib\//, '').replace(/\.ts$/, '');
  const files = [...graph.keys()].sort((a, b) => layers.get(b)! - layers.get(a)! || a.localeCompare(b));
  const lines = ['flowchart TB'];
  for (const file of files) lines.push(`  ${id(file)}["${label(file)}"]`);
  for (const file of files) {
    for (const target of reduced.get(file)!) lines.push(`  ${id(file)} --> ${id(target)}`);
  }
  const entries = files.filter((file) => /^lib\/[^/]+\.ts$/.test(file));
  const internals = files.filter((file) => file.startsWith('lib/internal/'));
  lines.push('  classDef entry fill:#dbeafe,stroke:#1d4ed8,font-weight:bold');
  lines.push('  classDef internal fill:#f3f4f6,stroke:#9ca3af');
  lines.push(`  class ${entries.map(id).join(',')} entry`);
  lines.push(`  class ${internals.map(id).join(',')} internal`);
  return lines.join('\n');
}

const DIAGRAM_BEGIN = '<!-- module-graph:begin (generated by `npm run architecture`; do not edit) -->';
const DIAGRAM_END = '<!-- module-graph:end -->';

/** The diagram block of a page (between the markers), or null if it has none. */
export function diagramIn(page: string): string | null {
  const begin = page.indexOf(DIAGRAM_BEGIN);
  const end = page.indexOf(DIAGRAM_END);
  if (begin < 0 || end < begin) return null;
  return page.slice(begin + DIAGRAM_BEGIN.length, end).trim();
}

/** `page` with its diagram block replaced by `diagram` (as a mermaid code block). */
export function replaceDiagram(page: string, diagram: string): string {
  const begin = page.indexOf(DIAGRAM_BEGIN);
  const end = page.indexOf(DIAGRAM_END);
  if (begin < 0 || end < begin) throw new Error(`no ${DIAGRAM_BEGIN} ... ${DIAGRAM_END} block in the page`);
  return `${page.slice(0, begin + DIAGRAM_BEGIN.length)}\n${fenced(diagram)}\n${page.slice(end)}`;
}

/** The diagram as the page holds it: a mermaid code block. */
export function fenced(diagram: string): string {
  return `\`\`\`mermaid\n${diagram}\n\`\`\``;
}
