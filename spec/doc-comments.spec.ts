/**
 * STYLE.md: "Public names get TSDoc with one example." This spec reads the
 * TypeScript sources of every entry point `lib/index.ts` re-exports, follows
 * their `export { ... } from` lines to the file that declares each name, and
 * fails listing (file:line and name) every public name without a doc comment,
 * and every exported class or function whose doc comment has no `@example`.
 *
 * Public means: exported classes, functions, consts, enums, interfaces and
 * type aliases, plus the public methods, accessors and properties of exported
 * classes. Not public: anything whose doc comment says `@internal`, private,
 * protected and `#private` members, constructors (the class comment shows how
 * to make one), and overrides of standard protocol methods (toString, then,
 * Symbol.iterator, ...), whose meaning the language already documents.
 *
 * A line-based parser is enough because lib/ is formatted one way (Biome, biome.jsonc):
 * declarations start a line, class members sit at two spaces of indentation,
 * a class ends at a `}` in column 0.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/spec/doc-comments.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The modules lib/index.ts re-exports (`export * from './x.js'`), so a module added to the barrel is checked too. */
function entryPointsOf(read: SourceReader): string[] {
  const barrel = read('lib/index.ts');
  return [...barrel.matchAll(/^export\s+\*\s+from\s+'\.\/([^']+)\.js'/gm)].map((match) => `lib/${match[1]}.ts`);
}

/** Members whose meaning a protocol or the runtime defines; documenting them again adds nothing. */
const STANDARD_MEMBERS = new Set([
  'constructor',
  'toString',
  'toJSON',
  'valueOf',
  'then',
  'catch',
  'finally',
  'inspect',
  '[Symbol.iterator]',
  '[Symbol.asyncIterator]',
  '[Symbol.dispose]',
  '[Symbol.asyncDispose]',
  '[Symbol.toStringTag]',
  '[inspect.custom]',
  '[util.inspect.custom]',
]);

/** Also `[inspectCustom]`, `[Symbol.for('nodejs.util.inspect.custom')]`: however the util.inspect hook is spelled. */
function isStandardMember(name: string): boolean {
  return STANDARD_MEMBERS.has(name) || /^\[.*inspect.*\]$/i.test(name);
}

type Kind = 'class' | 'function' | 'const' | 'enum' | 'interface' | 'type' | 'member';

/** One public name, where it is declared, and its doc comment (null if none). */
export interface PublicName {
  file: string;
  line: number;
  name: string;
  kind: Kind;
  doc: string | null;
}

/** Reads a file by its repository-relative path. */
export type SourceReader = (path: string) => string;

const DECLARATION =
  /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(class|function\*?|const\s+enum|const|let|enum|interface|type)\s+([A-Za-z_$][\w$]*)/;
const MEMBER_MODIFIER = /^(?:public|static|readonly|override|async|declare|abstract|accessor)\s+/;

/**
 * The doc comment that ends just above `index` (skipping decorators and `//`
 * comments, as TypeScript does), or null when the line above is anything else.
 */
function docAbove(lines: string[], index: number): string | null {
  let i = index - 1;
  while (i >= 0 && /^\s*(\/\/|@)/.test(lines[i])) i--;
  if (i < 0 || !lines[i].trimEnd().endsWith('*/')) return null;
  const end = i;
  while (i >= 0 && !lines[i].includes('/*')) i--;
  if (i < 0 || !lines[i].includes('/**')) return null;
  return lines.slice(i, end + 1).join('\n');
}

function isInternal(doc: string | null): boolean {
  return doc !== null && /@internal\b/.test(doc);
}

/** Names the top-level declarations of one file: name → every declaration (overloads repeat a name). */
function declarationsOf(file: string, source: string): Map<string, PublicName[]> {
  const lines = source.split('\n');
  const found = new Map<string, PublicName[]>();
  lines.forEach((text, index) => {
    const match = DECLARATION.exec(text);
    if (match === null) return;
    const keyword = match[1].replace(/\s+/g, ' ');
    const kind: Kind = keyword.startsWith('function')
      ? 'function'
      : keyword === 'const enum'
        ? 'enum'
        : keyword === 'let'
          ? 'const'
          : (keyword as Kind);
    const entry = { file, line: index + 1, name: match[2], kind, doc: docAbove(lines, index) };
    found.set(entry.name, [...(found.get(entry.name) ?? []), entry]);
  });
  return found;
}

/** The public members of the class declared at `classLine` (0-based), grouped by name. */
function membersOf(file: string, lines: string[], classLine: number, className: string): Map<string, PublicName[]> {
  const members = new Map<string, PublicName[]>();
  // `export class QueueFull extends WhirlwindError {}`: no body to read.
  if (/\{\s*\}\s*$/.test(lines[classLine])) return members;
  for (let i = classLine + 1; i < lines.length && !/^}/.test(lines[i]); i++) {
    const text = lines[i];
    // Members sit at exactly two spaces; deeper lines are bodies and wrapped signatures.
    if (!/^ {2}\S/.test(text)) continue;
    let rest = text.trim();
    let doc = docAbove(lines, i);
    // `/** Doc. */ name = value;` on one line.
    const inline = /^(\/\*\*.*?\*\/)\s*(\S.*)$/.exec(rest);
    if (inline !== null) [doc, rest] = [inline[1], inline[2]];
    if (/^(\}|\)|\*|\/|\]|>)/.test(rest) && !rest.startsWith('*[') && !/^\*\s*[A-Za-z_$]/.test(rest)) continue;
    if (/^(private|protected)\b/.test(rest) || rest.startsWith('#')) continue;
    while (MEMBER_MODIFIER.test(rest)) rest = rest.replace(MEMBER_MODIFIER, '');
    rest = rest.replace(/^(get|set)\s+(?=[[A-Za-z_$#])/, '').replace(/^\*\s*/, '');
    const match = /^(\[[^\]]+\]|#?[A-Za-z_$][\w$]*)\s*[?!]?\s*[(<:=;]/.exec(rest);
    if (match === null || match[1].startsWith('#') || isStandardMember(match[1])) continue;
    const name = `${className}.${match[1]}`;
    members.set(name, [...(members.get(name) ?? []), { file, line: i + 1, name, kind: 'member', doc }]);
  }
  return members;
}

/** `export { a, type B as C } from './x.js'` (possibly over several lines) → [{ exported, local, from }]. */
function reExportsOf(source: string): { exported: string; local: string; from: string | null }[] {
  const result: { exported: string; local: string; from: string | null }[] = [];
  const pattern = /^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s+'([^']+)')?/gm;
  for (const match of source.matchAll(pattern)) {
    for (const part of match[1].split(',')) {
      const words = part.trim().replace(/^type\s+/, '');
      if (words === '') continue;
      const [local, exported = local] = words.split(/\s+as\s+/).map((word) => word.trim());
      result.push({ exported, local, from: match[2] ?? null });
    }
  }
  for (const match of source.matchAll(/^export\s+\*\s+from\s+'([^']+)'/gm))
    result.push({ exported: '*', local: '*', from: match[1] });
  return result;
}

/**
 * Every public name of the entry points: each one's declarations (several for
 * overloads) plus, for classes, its public members. Names from outside the
 * repository (`export type { X } from 'node:http'`) are skipped.
 */
export function collectPublicNames(entryPoints: readonly string[], read: SourceReader): PublicName[][] {
  const seen = new Set<string>();
  const result: PublicName[][] = [];

  function resolve(file: string, name: string, depth = 0): PublicName[] | null {
    if (depth > 10) throw new Error(`re-export cycle resolving ${name} from ${file}`);
    const source = read(file);
    const declared = declarationsOf(file, source).get(name);
    if (declared !== undefined) return declared;
    for (const reExport of reExportsOf(source)) {
      if (reExport.exported !== name && reExport.exported !== '*') continue;
      if (reExport.from === null) return resolve(file, reExport.local, depth + 1);
      if (!reExport.from.startsWith('.')) return null;
      const target = posix.join(posix.dirname(file), reExport.from.replace(/\.js$/, '.ts'));
      const found = resolve(target, reExport.exported === '*' ? name : reExport.local, depth + 1);
      if (found !== null || reExport.exported !== '*') return found;
    }
    return null;
  }

  function add(declarations: PublicName[]): void {
    const first = declarations[0];
    const key = `${first.file}:${first.name}`;
    if (seen.has(key) || declarations.some((declaration) => isInternal(declaration.doc))) return;
    seen.add(key);
    result.push(declarations);
    if (first.kind !== 'class') return;
    const lines = read(first.file).split('\n');
    for (const member of membersOf(first.file, lines, first.line - 1, first.name).values()) {
      if (!member.some((declaration) => isInternal(declaration.doc))) result.push(member);
    }
  }

  for (const entry of entryPoints) {
    const source = read(entry);
    for (const declarations of declarationsOf(entry, source).values()) add(declarations);
    for (const reExport of reExportsOf(source)) {
      if (reExport.from !== null && !reExport.from.startsWith('.')) continue;
      if (reExport.exported === '*') {
        const target = posix.join(posix.dirname(entry), reExport.from!.replace(/\.js$/, '.ts'));
        for (const declarations of declarationsOf(target, read(target)).values()) add(declarations);
        continue;
      }
      const declarations = resolve(entry, reExport.exported);
      if (declarations === null)
        throw new Error(`${entry}: cannot find the declaration of re-exported ${reExport.exported}`);
      add(declarations);
    }
  }
  return result;
}

function where(declarations: PublicName[]): string {
  const first = declarations[0];
  return `${first.file}:${first.line} ${first.kind} ${first.name}`;
}

/** Public names none of whose declarations has a doc comment. */
export function undocumented(names: PublicName[][]): string[] {
  return names.filter((declarations) => declarations.every((d) => d.doc === null)).map(where);
}

/** Exported classes and functions whose doc comments (over all overloads) show no `@example`. */
export function withoutExample(names: PublicName[][]): string[] {
  return names
    .filter((declarations) => declarations[0].kind === 'class' || declarations[0].kind === 'function')
    .filter((declarations) => declarations.every((d) => d.doc === null || !d.doc.includes('@example')))
    .map(where);
}

function readFromRepository(path: string): string {
  return readFileSync(join(repositoryRoot, path), 'utf8');
}

function fromFixtures(files: Record<string, string>): SourceReader {
  return (path) => {
    const source = files[path];
    if (source === undefined) throw new Error(`no fixture ${path}`);
    return source;
  };
}

describe('doc comments', () => {
  describe('on the public entry points', () => {
    const entryPoints = entryPointsOf(readFromRepository);
    const names = collectPublicNames(entryPoints, readFromRepository);

    it('reads every module lib/index.ts re-exports', () => {
      expect(entryPoints).to.include.members([
        'lib/concurrent.ts',
        'lib/ioloop.ts',
        'lib/gen.ts',
        'lib/locks.ts',
        'lib/queues.ts',
        'lib/httpclient.ts',
        'lib/testing.ts',
        'lib/log.ts',
        'lib/trace.ts',
      ]);
    });

    it('finds the names API.md promises, members included', () => {
      const found = new Set(names.map((declarations) => declarations[0].name));
      for (const name of [
        'Future',
        'Future.addDoneCallback',
        'coroutine',
        'IOLoop.runSync',
        'Queue.put',
        'moment',
        'Timeout',
        'BadYieldError',
      ]) {
        expect(found, name).to.include(name);
      }
    });

    it('gives every public name a doc comment', () => {
      const missing = undocumented(names);
      expect(missing, `public names without a /** doc comment */:\n  ${missing.join('\n  ')}\n`).to.deep.equal([]);
    });

    it('shows an @example on every exported class and function', () => {
      const missing = withoutExample(names);
      expect(
        missing,
        `exported classes and functions whose doc comment has no @example:\n  ${missing.join('\n  ')}\n`,
      ).to.deep.equal([]);
    });
  });

  describe('the checker', () => {
    const fixtures = fromFixtures({
      'lib/a.ts': [
        "export { helper, Oops, type Shape as Form } from './a/impl.js';",
        "export type { IncomingHttpHeaders } from 'node:http';",
        '/** Documented, with no example. */',
        'export function bare(): void {}',
        'export const undocumentedConst = 1;',
        '/** @internal */',
        'export function hidden(): void {}',
        '/**',
        ' * A widget.',
        ' * @example',
        ' * ```ts',
        ' * new Widget().spin();',
        ' * ```',
        ' */',
        'export class Widget {',
        '  /** @internal */ _state = 0;',
        '  /** Inline. */ readonly label = 1;',
        '  private secret = 1;',
        '  #reallySecret = 2;',
        '  constructor() {}',
        '  /** Spins. */',
        '  spin(): void {}',
        '  get speed(): number {',
        '    return 1;',
        '  }',
        '  toString(): string {',
        "    return 'w';",
        '  }',
        '  *[Symbol.iterator]() {}',
        "  [Symbol.for('nodejs.util.inspect.custom')](): string {",
        "    return 'w';",
        '  }',
        '}',
      ].join('\n'),
      'lib/a/impl.ts': [
        '/**',
        ' * Thrown.',
        ' * @example',
        ' * ```ts',
        ' * throw new Oops();',
        ' * ```',
        ' */',
        'export class Oops extends Error {}',
        'function notAMember(): void {',
        '  if (true) return;',
        '}',
        '// A line comment between the doc comment and the declaration is allowed.',
        '/**',
        ' * Helps.',
        ' * @example',
        ' * ```ts',
        ' * helper();',
        ' * ```',
        ' */',
        '// why the signature looks like this',
        'export function helper(): void {}',
        'export interface Shape {}',
      ].join('\n'),
    });
    const names = collectPublicNames(['lib/a.ts'], fixtures);

    it('lists undocumented declarations, members and re-exported names by file:line', () => {
      expect(undocumented(names)).to.deep.equal([
        'lib/a.ts:5 const undocumentedConst',
        'lib/a.ts:23 member Widget.speed',
        'lib/a/impl.ts:22 interface Shape',
      ]);
    });

    it('lists exported classes and functions whose doc comment has no @example', () => {
      expect(withoutExample(names)).to.deep.equal(['lib/a.ts:4 function bare']);
    });

    it('skips @internal, private, #private, constructor and standard members', () => {
      const found = names.map((declarations) => declarations[0].name);
      expect(found).to.have.members([
        'bare',
        'undocumentedConst',
        'Widget',
        'Widget.label',
        'Widget.spin',
        'Widget.speed',
        'helper',
        'Oops',
        'Shape',
      ]);
    });
  });
});
