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
