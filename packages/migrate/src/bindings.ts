/**
 * Which local names refer to whirlwind's `gen` API and to `co` in one file,
 * however they were imported or renamed: `import { gen } from 'whirlwind'`,
 * `import { coroutine as c } from 'whirlwind/gen'`, `import * as ww from
 * 'whirlwind'`, `import co from 'co'`, `const co = require('co')`, ...
 */
import type * as t from '@babel/types';
import { memberParts } from './ast.js';

export const RUNTIME_MODULES = new Set(['whirlwind', 'whirlwind/gen']);
export const CO_MODULES = new Set(['co', 'whirlwind/co']);

export interface Bindings {
  /** Local names of the `gen` namespace (`gen`, `import * as g from 'whirlwind/gen'`). */
  genNamespaces: Set<string>;
  /** Local names of the root namespace (`import * as ww from 'whirlwind'`). */
  rootNamespaces: Set<string>;
  /** Local name -> exported name, for names imported from 'whirlwind' or 'whirlwind/gen'. */
  named: Map<string, string>;
  /** Local names bound to `co`. */
  co: Set<string>;
  /** Import declarations of the runtime and of co, which the tidy step may edit. */
  imports: t.ImportDeclaration[];
  /** True when the file uses ES module syntax (imports can be added). */
  isModule: boolean;
}

function requiredModule(init: t.Node | null | undefined): string | undefined {
  if (!init || init.type !== 'CallExpression') return undefined;
  if (init.callee.type !== 'Identifier' || init.callee.name !== 'require') return undefined;
  const [arg] = init.arguments;
  return arg?.type === 'StringLiteral' ? arg.value : undefined;
}

function bindNamed(bindings: Bindings, module: string, exported: string, local: string): void {
  if (CO_MODULES.has(module)) {
    if (exported === 'default' || exported === 'co') bindings.co.add(local);
    return;
  }
  if (module === 'whirlwind' && exported === 'gen') bindings.genNamespaces.add(local);
  else bindings.named.set(local, exported);
}

function bindNamespace(bindings: Bindings, module: string, local: string): void {
  if (CO_MODULES.has(module)) bindings.co.add(local);
  else if (module === 'whirlwind/gen') bindings.genNamespaces.add(local);
  else bindings.rootNamespaces.add(local);
}

function bindRequire(bindings: Bindings, declarator: t.VariableDeclarator): void {
  const module = requiredModule(declarator.init);
  if (module === undefined || !(RUNTIME_MODULES.has(module) || CO_MODULES.has(module))) return;
  if (declarator.id.type === 'Identifier') bindNamespace(bindings, module, declarator.id.name);
  if (declarator.id.type !== 'ObjectPattern') return;
  for (const property of declarator.id.properties) {
    if (property.type !== 'ObjectProperty' || property.computed || property.key.type !== 'Identifier') continue;
    if (property.value.type === 'Identifier') bindNamed(bindings, module, property.key.name, property.value.name);
  }
}

export function findBindings(program: t.Program): Bindings {
  const bindings: Bindings = {
    genNamespaces: new Set(),
    rootNamespaces: new Set(),
    named: new Map(),
    co: new Set(),
    imports: [],
    isModule: program.sourceType === 'module',
  };
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      const module = statement.source.value;
      if (!RUNTIME_MODULES.has(module) && !CO_MODULES.has(module)) continue;
      bindings.imports.push(statement);
      for (const specifier of statement.specifiers) {
        const local = specifier.local.name;
        if (specifier.type === 'ImportNamespaceSpecifier') bindNamespace(bindings, module, local);
        else if (specifier.type === 'ImportDefaultSpecifier') bindNamed(bindings, module, 'default', local);
        else {
          const imported =
            specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
          bindNamed(bindings, module, imported, local);
        }
      }
    } else if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations) bindRequire(bindings, declarator);
    }
  }
  return bindings;
}

/**
 * The `gen` export an expression names (`gen.coroutine`, a renamed
 * `coroutine`, `ww.gen.Return`, `ww.multi`), or undefined.
 */
export function genExport(bindings: Bindings, node: t.Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier') return bindings.named.get(node.name);
  const parts = memberParts(node);
  if (!parts) return undefined;
  const [object, name] = parts;
  if (object.type === 'Identifier') {
    if (bindings.genNamespaces.has(object.name) || bindings.rootNamespaces.has(object.name)) return name;
    return undefined;
  }
  const inner = memberParts(object);
  if (inner && inner[1] === 'gen' && inner[0].type === 'Identifier' && bindings.rootNamespaces.has(inner[0].name)) {
    return name;
  }
  return undefined;
}

/** `co(...)` -> 'run', `co.wrap(...)` -> 'wrap', anything else undefined. */
export function coCall(bindings: Bindings, callee: t.Node): 'run' | 'wrap' | undefined {
  if (callee.type === 'Identifier' && bindings.co.has(callee.name)) return 'run';
  const parts = memberParts(callee);
  if (!parts || parts[0].type !== 'Identifier' || !bindings.co.has(parts[0].name)) return undefined;
  if (parts[1] === 'wrap') return 'wrap';
  if (parts[1] === 'co') return 'run';
  return undefined;
}
