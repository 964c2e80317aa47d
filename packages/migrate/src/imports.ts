/**
 * The import tidy-up after a rewrite: names of whirlwind (and co) that the
 * rewrite made unused are removed, names it needs (`multi`, `moment`) are
 * added, and the object helper is appended when `yield { ... }` needed it.
 */
import type * as t from '@babel/types';
import { end, start, walk } from './ast.js';
import { CO_MODULES, RUNTIME_MODULES } from './bindings.js';
import { Edits } from './edits.js';
import { parseSource } from './parse.js';

export type NeededImport = 'multi' | 'moment';

export interface TidyOptions {
  needed: ReadonlySet<NeededImport>;
  /** Source of the object helper to append, if it is needed. */
  helper?: string;
  helperName: string;
}

/** How often each name is referenced outside import declarations (property keys are not references). */
function referenceCounts(program: t.Program): Map<string, number> {
  const counts = new Map<string, number>();
  walk(program, (node, parents) => {
    if (node.type === 'ImportDeclaration') return false;
    if (node.type !== 'Identifier') return true;
    const parent = parents[parents.length - 1];
    if (parent && isPropertyKey(node, parent)) return true;
    counts.set(node.name, (counts.get(node.name) ?? 0) + 1);
    return true;
  });
  return counts;
}

function isPropertyKey(node: t.Identifier, parent: t.Node): boolean {
  switch (parent.type) {
    case 'MemberExpression':
    case 'OptionalMemberExpression':
      return parent.property === node && !parent.computed;
    case 'ObjectProperty':
      return parent.key === node && !parent.computed && !parent.shorthand;
    case 'ObjectMethod':
    case 'ClassMethod':
    case 'ClassProperty':
    case 'TSPropertySignature':
    case 'TSMethodSignature':
      return parent.key === node && !parent.computed;
    case 'TSQualifiedName':
      return parent.right === node;
    default:
      return false;
  }
}

function isTidied(declaration: t.ImportDeclaration): boolean {
  return RUNTIME_MODULES.has(declaration.source.value) || CO_MODULES.has(declaration.source.value);
}

/** Removes the specifiers `unused` from one import declaration (or the whole declaration). */
function removeSpecifiers(text: string, declaration: t.ImportDeclaration, unused: Set<t.Node>, edits: Edits): void {
  const specifiers = declaration.specifiers;
  if (specifiers.every((specifier) => unused.has(specifier))) {
    const lineEnd = text.indexOf('\n', end(declaration));
    const trailing = lineEnd === -1 ? '' : text.slice(end(declaration), lineEnd);
    edits.replace(start(declaration), trailing.trim() === '' && lineEnd !== -1 ? lineEnd + 1 : end(declaration), '');
    return;
  }
  specifiers.forEach((specifier, index) => {
    if (!unused.has(specifier)) return;
    const next = specifiers[index + 1];
    const previous = specifiers[index - 1];
    if (previous && !unused.has(previous)) edits.replace(end(previous), end(specifier), '');
    else if (next) edits.replace(start(specifier), start(next), '');
    else edits.replace(start(specifier), end(specifier), '');
  });
}

/** Adds `names` to an existing named runtime import, or as a new import after the last one. */
function addImports(text: string, program: t.Program, names: string[], removed: Set<t.Node>, edits: Edits): void {
  if (names.length === 0) return;
  const imports = program.body.filter((s): s is t.ImportDeclaration => s.type === 'ImportDeclaration');
  const target = imports.find(
    (declaration) =>
      RUNTIME_MODULES.has(declaration.source.value) &&
      !removed.has(declaration) &&
      declaration.importKind !== 'type' &&
      declaration.specifiers.some((s) => s.type === 'ImportSpecifier'),
  );
  if (target) {
    const last = target.specifiers[target.specifiers.length - 1];
    edits.insert(end(last), names.map((name) => `, ${name}`).join(''));
    return;
  }
  const statement =
    program.sourceType === 'module'
      ? `import { ${names.join(', ')} } from 'whirlwind';\n`
      : `const { ${names.join(', ')} } = require('whirlwind');\n`;
  const after = imports.filter((declaration) => !removed.has(declaration)).pop();
  if (after) {
    const lineEnd = text.indexOf('\n', end(after));
    edits.insert(lineEnd === -1 ? text.length : lineEnd + 1, lineEnd === -1 ? `\n${statement}` : statement);
  } else {
    const first = program.body[0];
    edits.insert(first ? start(first) : text.length, statement);
  }
}

/**
 * Tidies `output` (the rewrite of `original`): imports of the runtime or co
 * that were used before and are not any more go; needed names come in.
 */
export function tidyImports(original: string, output: string, file: string, options: TidyOptions): string {
  const before = referenceCounts(parseSource(original, file).program);
  const program = parseSource(output, file).program;
  const after = referenceCounts(program);
  const edits = new Edits();
  const removed = new Set<t.Node>();
  for (const declaration of program.body) {
    if (declaration.type !== 'ImportDeclaration' || !isTidied(declaration)) continue;
    const unused = new Set<t.Node>(
      declaration.specifiers.filter((s) => (before.get(s.local.name) ?? 0) > 0 && (after.get(s.local.name) ?? 0) === 0),
    );
    if (unused.size === 0) continue;
    removeSpecifiers(output, declaration, unused, edits);
    if (unused.size === declaration.specifiers.length) removed.add(declaration);
  }
  addImports(output, program, [...options.needed], removed, edits);
  const declaresHelper = program.body.some(
    (statement) => statement.type === 'FunctionDeclaration' && statement.id?.name === options.helperName,
  );
  let tidied = edits.size === 0 ? output : edits.apply(output);
  if (options.helper !== undefined && !declaresHelper) tidied = tidied.replace(/\n*$/, '\n') + options.helper;
  return tidied;
}
