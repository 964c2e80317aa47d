/**
 * The names a compiled entry point declares, read from its `.d.ts` (types and
 * values alike), following `export * from` into the files it re-exports: what
 * a TypeScript user can import from it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const DECLARED =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:class|function|const|let|var|enum|namespace|interface|type)\s+([A-Za-z_$][\w$]*)/gm;
const RE_EXPORT_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}/gm;
const STAR_AS = /^export\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from/gm;
const STAR = /^export\s+\*\s+from\s+'([^']+)'/gm;

/** Every name `file` (a `.d.ts`) exports, sorted. */
export function declaredExports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const match of source.matchAll(DECLARED)) names.add(match[1]);
  for (const match of source.matchAll(STAR_AS)) names.add(match[1]);
  for (const match of source.matchAll(RE_EXPORT_LIST)) {
    for (const item of match[1].split(',')) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name !== '') names.add(name);
    }
  }
  for (const match of source.matchAll(STAR)) {
    for (const name of declaredExports(join(dirname(file), match[1].replace(/\.js$/, '.d.ts')))) names.add(name);
  }
  return [...names].sort();
}
