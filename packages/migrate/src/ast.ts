/** A minimal walker over @babel/parser's AST, with the chain of parents. */
import type * as t from '@babel/types';

const SKIPPED_KEYS = new Set([
  'loc',
  'start',
  'end',
  'extra',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'range',
]);

export function isNode(value: unknown): value is t.Node {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

/** The child nodes of `node`, in source order. */
export function children(node: t.Node): t.Node[] {
  const found: t.Node[] = [];
  for (const key of Object.keys(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) found.push(item);
    } else if (isNode(value)) {
      found.push(value);
    }
  }
  return found.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
}

/**
 * Visits `root` and its descendants depth first; `visit` gets the node and its
 * ancestors (nearest last) and returns false to skip the node's children.
 */
export function walk(root: t.Node, visit: (node: t.Node, parents: readonly t.Node[]) => boolean | void): void {
  const parents: t.Node[] = [];
  const step = (node: t.Node) => {
    if (visit(node, parents) === false) return;
    parents.push(node);
    for (const child of children(node)) step(child);
    parents.pop();
  };
  step(root);
}

export function isFunction(node: t.Node): node is t.Function {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' ||
    node.type === 'ClassMethod' ||
    node.type === 'ClassPrivateMethod'
  );
}

/** A function with its own `this` and `arguments` (anything but an arrow). */
export function hasOwnThis(node: t.Node): boolean {
  return isFunction(node) && node.type !== 'ArrowFunctionExpression';
}

export function start(node: t.Node): number {
  return node.start ?? 0;
}

export function end(node: t.Node): number {
  return node.end ?? 0;
}

export function line(node: t.Node): number {
  return node.loc?.start.line ?? 1;
}

/** The name a member or property key is written with (`a.b`, `a['b']`, `{ b: ... }`), if static. */
export function propertyName(node: t.Node | null | undefined, computed = false): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier' && !computed) return node.name;
  if (node.type === 'StringLiteral') return node.value;
  if (node.type === 'PrivateName') return `#${node.id.name}`;
  return undefined;
}

/** `x.name` or `x?.name` (static property), as [object, name]. */
export function memberParts(node: t.Node): [t.Node, string] | undefined {
  if (node.type !== 'MemberExpression' && node.type !== 'OptionalMemberExpression') return undefined;
  const name = propertyName(node.property, node.computed);
  return name === undefined ? undefined : [node.object, name];
}
