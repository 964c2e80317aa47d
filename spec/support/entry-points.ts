/**
 * Every public entry point of the package, found rather than listed: each
 * subpath of package.json `exports` is imported as a user imports it, and
 * every exported function, class (its constructor, static methods and
 * public instance methods) and method of an exported object is collected.
 * Which members are public, and how many parameters each takes, comes from
 * the emitted declarations (dist/lib/**\/*.d.ts, built with stripInternal,
 * so `@internal` and private members are not there). A new export is
 * covered by whatever uses this list without anyone adding it here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One parameter as declared: its name, its type text, and whether it may be left out. */
export interface DeclaredParameter {
  name: string;
  type: string;
  optional: boolean;
  rest: boolean;
}

/** Something a user can call: a function, a constructor, or a method of an instance or class. */
export interface EntryPoint {
  /** `whirlwind/gen sleep`, `whirlwind/locks new Lock`, `whirlwind/queues Queue#put`, `whirlwind/ioloop IOLoop.current`. */
  label: string;
  kind: 'function' | 'constructor' | 'method' | 'static';
  /** The exported function or class. */
  owner: Function | object;
  /** Method name for methods and statics. */
  member?: string;
  /** The widest declared parameter list over the overloads. */
  parameters: DeclaredParameter[];
}

// dist/spec/support/entry-points.js → the repository root is three levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The package's subpaths as users import them: `whirlwind`, `whirlwind/gen`, ... */
export function packageSubpaths(): string[] {
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  return Object.keys(manifest.exports)
    .filter((key) => key === '.' || /^\.\/[\w-]+$/.test(key))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}${key.slice(1)}`));
}

interface DeclaredClass {
  constructorParameters: DeclaredParameter[] | null;
  methods: Map<string, DeclaredParameter[]>;
  statics: Map<string, DeclaredParameter[]>;
}

interface Declarations {
  functions: Map<string, DeclaredParameter[]>;
  classes: Map<string, DeclaredClass>;
  /** `export declare const X: XConstructor` (a class typed through interfaces): X → XConstructor. */
  constantTypes: Map<string, string>;
  /** Interfaces, read as classes: their `new (...)` signatures and methods. */
  interfaces: Map<string, DeclaredClass>;
}

function declarationFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...declarationFiles(path));
    else if (entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Splits `a: X, b?: Map<K, V>, ...c: ((x: T) => void)[]` at its top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || (c === '>' && text[i - 1] !== '=')) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (text.slice(start).trim() !== '') parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

/** The text between the parenthesis at `open` and its partner. */
function parenthesised(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced parentheses in declaration: ${text}`);
}

/** The parameter list of a one-line declaration whose name ends at `afterName` (generics skipped). */
function parametersAt(line: string, afterName: number): DeclaredParameter[] {
  let i = afterName;
  if (line[i] === '?') i++;
  if (line[i] === '<') {
    let depth = 0;
    for (; i < line.length; i++) {
      if (line[i] === '<') depth++;
      else if (line[i] === '>' && line[i - 1] !== '=' && --depth === 0) break;
    }
    i++;
  }
  if (line[i] !== '(') return [];
  return splitTopLevel(parenthesised(line, i)).map((text) => {
    const rest = text.startsWith('...');
    const match = /^(?:\.\.\.)?(\w+)(\?)?\s*:\s*([\s\S]*)$/.exec(text);
    if (match === null) return { name: text, type: 'unknown', optional: true, rest };
    return { name: match[1], type: match[3], optional: match[2] === '?' || rest, rest };
  });
}

function unbalanced(line: string): boolean {
  let depth = 0;
  for (const c of line) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth > 0;
}

function widest(a: DeclaredParameter[] | undefined, b: DeclaredParameter[]): DeclaredParameter[] {
  return a !== undefined && a.length >= b.length ? a : b;
}

/** Reads every exported function and class declared under dist/lib (one declaration per line, as tsc emits them, except that an inline object type spans lines). */
export function readDeclarations(): Declarations {
  const functions = new Map<string, DeclaredParameter[]>();
  const classes = new Map<string, DeclaredClass>();
  const constantTypes = new Map<string, string>();
  const interfaces = new Map<string, DeclaredClass>();
  for (const file of declarationFiles(join(repositoryRoot, 'dist', 'lib'))) {
    let current: DeclaredClass | null = null;
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let n = 0; n < lines.length; n++) {
      // A declaration with an inline object type spans lines: join them until its parentheses balance.
      let line = lines[n];
      while (unbalanced(line) && n + 1 < lines.length) line += ' ' + lines[++n].trim();
      const fn = /^export declare function (\w+)/.exec(line);
      if (fn !== null) {
        functions.set(fn[1], widest(functions.get(fn[1]), parametersAt(line, fn[0].length)));
        continue;
      }
      // A function-typed constant (`stderrHandler: LogHandler`): its parameters are behind a type alias.
      const constant = /^export declare const (\w+): (\w+);/.exec(line);
      if (constant !== null) {
        functions.set(constant[1], [{ name: 'value', type: 'unknown', optional: false, rest: false }]);
        constantTypes.set(constant[1], constant[2]);
        continue;
      }
      const cls = /^export (?:declare (?:abstract )?class|interface) (\w+)/.exec(line);
      if (cls !== null) {
        const table = line.includes(' interface ') ? interfaces : classes;
        current = table.get(cls[1]) ?? { constructorParameters: null, methods: new Map(), statics: new Map() };
        table.set(cls[1], current);
        if (line.trimEnd().endsWith('}')) current = null; // `interface X {}` on one line
        continue;
      }
      if (current === null) continue;
      if (line.startsWith('}')) {
        current = null;
        continue;
      }
      const ctor = /^ {4}(?:constructor|new ?)(?=[<(])/.exec(line);
      if (ctor !== null) {
        current.constructorParameters = widest(
          current.constructorParameters ?? undefined,
          parametersAt(line, ctor[0].length),
        );
        continue;
      }
      // Methods only: not properties, accessors, private/protected members or symbol-keyed ones.
      const member = /^ {4}(static )?(\w+)(?=\??[<(])/.exec(line);
      if (member === null || ['get', 'set', 'private', 'protected', 'readonly'].includes(member[2])) continue;
      const table = member[1] !== undefined ? current.statics : current.methods;
      table.set(member[2], widest(table.get(member[2]), parametersAt(line, member[0].length)));
    }
  }
  return { functions, classes, constantTypes, interfaces };
}

function isClass(value: Function): boolean {
  return /^class\b/.test(Function.prototype.toString.call(value));
}

function isModuleNamespace(value: object): boolean {
  return (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module';
}

/**
 * Every entry point of the package, each once (the root entry re-exports
 * the others: the first subpath to export a value names it). Also returns
 * the exports that are neither a declared function nor a declared class,
 * so a spec can say what it could not cover.
 */
export async function collectEntryPoints(): Promise<{ entryPoints: EntryPoint[]; undeclared: string[] }> {
  const declarations = readDeclarations();
  const entryPoints: EntryPoint[] = [];
  const undeclared: string[] = [];
  const seen = new Set<unknown>();
  // The root entry re-exports everything: visit it last so names carry their own subpath.
  const subpaths = packageSubpaths().sort((a, b) => Number(!a.includes('/')) - Number(!b.includes('/')));
  for (const subpath of subpaths) {
    const exported = (await import(subpath)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exported)) {
      if (seen.has(value)) continue;
      seen.add(value);
      const label = `${subpath} ${name}`;
      if (typeof value === 'function' && isClass(value)) {
        // A class, or a constant typed by a constructor interface whose instances are an interface of the same name.
        const constructorInterface = declarations.interfaces.get(declarations.constantTypes.get(name) ?? '');
        const declared =
          declarations.classes.get(name) ??
          (constructorInterface === undefined
            ? undefined
            : { ...constructorInterface, methods: declarations.interfaces.get(name)?.methods ?? new Map() });
        if (declared === undefined) {
          undeclared.push(label);
          continue;
        }
        entryPoints.push({
          label: `${subpath} new ${name}`,
          kind: 'constructor',
          owner: value,
          parameters: declared.constructorParameters ?? [],
        });
        for (const [member, parameters] of declared.statics) {
          entryPoints.push({ label: `${subpath} ${name}.${member}`, kind: 'static', owner: value, member, parameters });
        }
        for (const [member, parameters] of declared.methods) {
          entryPoints.push({ label: `${subpath} ${name}#${member}`, kind: 'method', owner: value, member, parameters });
        }
      } else if (typeof value === 'function') {
        const parameters = declarations.functions.get(name);
        if (parameters === undefined) undeclared.push(label);
        else entryPoints.push({ label, kind: 'function', owner: value, parameters });
      } else if (value !== null && typeof value === 'object' && !isModuleNamespace(value)) {
        // An exported object (`moment`, a Logger instance): its own methods, with parameters unknown.
        for (const member of Object.keys(value)) {
          if (typeof (value as Record<string, unknown>)[member] !== 'function') continue;
          const parameters = [{ name: 'value', type: 'unknown', optional: true, rest: false }];
          entryPoints.push({ label: `${subpath} ${name}.${member}`, kind: 'static', owner: value, member, parameters });
        }
      }
    }
  }
  return { entryPoints, undeclared };
}
