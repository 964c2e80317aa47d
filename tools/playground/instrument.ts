/**
 * Prepares user code for the playground Worker, keeping every line where it
 * was (error lines stay true): `import ... from 'whirlwind...'` becomes a
 * lookup, each loop body counts its passes (the step budget that stops
 * `while (true) {}`), each `yield` reports its line, and each async function
 * reports its start, awaits, resumes and end, so it gets a lane beside the
 * coroutines the runner traces.
 */
import { parser } from '@lezer/javascript';
import type { SyntaxNode } from '@lezer/common';

interface Edit {
  at: number;
  /** Replaces [at, to) when set; inserts otherwise. */
  to?: number;
  text: string;
  /** Openings of outer nodes go first at one position, closings of inner nodes first. */
  depth: number;
  closing: boolean;
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunction', 'MethodDeclaration']);
const LOOPS = new Set(['WhileStatement', 'ForStatement', 'DoStatement']);

export class InstrumentError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function instrument(source: string): string {
  const tree = parser.parse(source);
  const edits: Edit[] = [];
  const lineAt = lineFinder(source);
  const text = (node: SyntaxNode) => source.slice(node.from, node.to);

  const visit = (node: SyntaxNode, depth: number, asyncFunction: boolean) => {
    let insideAsync = asyncFunction;
    if (node.type.isError) throw new InstrumentError(`Syntax error at line ${lineAt(node.from)}`, lineAt(node.from));
    if (node.name === 'ImportDeclaration') edits.push(rewriteImport(node, text(node), lineAt(node.from)));
    if (LOOPS.has(node.name)) guardLoop(node, depth, lineAt(node.from), edits);
    if (node.name === 'YieldExpression' && !text(node).match(/^yield\s*\*/))
      reportYield(node, depth, lineAt(node.from), edits);
    if (FUNCTIONS.has(node.name)) {
      insideAsync = node.firstChild?.name === 'async';
      if (insideAsync) traceAsyncFunction(node, depth, functionName(node, source), lineAt(node.from), edits);
    }
    if (node.name === 'AwaitExpression' && asyncFunction) traceAwait(node, depth, lineAt(node.from), edits);
    if (node.name === 'ReturnStatement' && asyncFunction) traceReturn(node, depth, edits);
    for (let child = node.firstChild; child !== null; child = child.nextSibling) visit(child, depth + 1, insideAsync);
  };
  visit(tree.topNode, 0, false);
  return apply(source, edits);
}

function lineFinder(source: string): (position: number) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (position) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= position) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

function rewriteImport(node: SyntaxNode, text: string, line: number): Edit {
  const newlines = '\n'.repeat((text.match(/\n/g) ?? []).length);
  const named = /^import\s*\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2\s*;?$/.exec(text);
  const star = /^import\s*\*\s*as\s+([\w$]+)\s+from\s*(['"])([^'"]+)\2\s*;?$/.exec(text);
  let code: string;
  if (named) {
    const bindings = named[1]
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '' && !part.startsWith('type '))
      .map((part) => part.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'));
    code = `const { ${bindings.join(', ')} } = __ww.module(${JSON.stringify(named[3])});`;
  } else if (star) {
    code = `const ${star[1]} = __ww.module(${JSON.stringify(star[3])});`;
  } else {
    throw new InstrumentError(
      `Line ${line}: only "import { a, b } from 'whirlwind...'" and "import * as x from ..." work here`,
      line,
    );
  }
  return { at: node.from, to: node.to, text: code + newlines, depth: 0, closing: false };
}

function guardLoop(node: SyntaxNode, depth: number, line: number, edits: Edit[]): void {
  const body = node.name === 'DoStatement' ? node.firstChild?.nextSibling : node.lastChild;
  if (!body) return;
  const guard = `__ww.guard(${line});`;
  if (body.name === 'Block') {
    edits.push({ at: body.from + 1, text: guard, depth: depth + 1, closing: false });
  } else {
    edits.push({ at: body.from, text: `{${guard}`, depth, closing: false });
    edits.push({ at: body.to, text: '}', depth, closing: true });
  }
}

function reportYield(node: SyntaxNode, depth: number, line: number, edits: Edit[]): void {
  const keyword = node.firstChild!;
  const argument = keyword.nextSibling;
  if (argument === null) {
    edits.push({ at: keyword.to, text: ` __ww.at(${line})`, depth, closing: false });
    return;
  }
  edits.push({ at: argument.from, text: `__ww.at(${line}, `, depth, closing: false });
  edits.push({ at: node.to, text: ')', depth, closing: true });
}

function traceAwait(node: SyntaxNode, depth: number, line: number, edits: Edit[]): void {
  const argument = node.firstChild!.nextSibling!;
  edits.push({ at: node.from, text: '__ww.resumed(__f, ', depth, closing: false });
  edits.push({ at: argument.from, text: `__ww.awaiting(__f, ${line}, `, depth: depth + 1, closing: false });
  edits.push({ at: node.to, text: ')', depth: depth + 1, closing: true });
  edits.push({ at: node.to, text: ')', depth, closing: true });
}

function traceReturn(node: SyntaxNode, depth: number, edits: Edit[]): void {
  const keyword = node.firstChild!;
  const value = keyword.nextSibling;
  if (value === null || value.name === ';') {
    edits.push({ at: keyword.to, text: ' __ww.asyncEnd(__f, undefined)', depth, closing: false });
    return;
  }
  edits.push({ at: value.from, text: '__ww.asyncEnd(__f, ', depth, closing: false });
  edits.push({ at: value.to, text: ')', depth, closing: true });
}

function traceAsyncFunction(node: SyntaxNode, depth: number, name: string, line: number, edits: Edit[]): void {
  const body = node.lastChild!;
  const start = `const __f = __ww.asyncStart(${JSON.stringify(name)}, ${line}); try {`;
  const end = `return __ww.asyncEnd(__f, undefined); } catch (__e) { throw __ww.asyncFail(__f, __e); }`;
  if (body.name === 'Block') {
    edits.push({ at: body.from + 1, text: start, depth: depth + 1, closing: false });
    edits.push({ at: body.to - 1, text: end, depth: depth + 1, closing: true });
  } else {
    edits.push({ at: body.from, text: `{ ${start} return __ww.asyncEnd(__f, `, depth, closing: false });
    edits.push({ at: body.to, text: `); } catch (__e) { throw __ww.asyncFail(__f, __e); } }`, depth, closing: true });
  }
}

function functionName(node: SyntaxNode, source: string): string {
  const own = node.getChild('VariableDefinition') ?? node.getChild('PropertyDefinition');
  if (own) return source.slice(own.from, own.to);
  const parent = node.parent;
  const declared =
    parent?.name === 'VariableDeclaration' || parent?.name === 'Property'
      ? (parent.getChild('VariableDefinition') ?? parent.getChild('PropertyDefinition'))
      : null;
  return declared ? source.slice(declared.from, declared.to) : '<anonymous async>';
}

function apply(source: string, edits: Edit[]): string {
  edits.sort((a, b) => {
    if (a.at !== b.at) return b.at - a.at; // applied from the end: positions before stay valid
    if (a.closing !== b.closing) return a.closing ? 1 : -1; // a closing is applied last, so it ends up first
    return a.closing ? a.depth - b.depth : b.depth - a.depth;
  });
  let result = source;
  for (const edit of edits) result = result.slice(0, edit.at) + edit.text + result.slice(edit.to ?? edit.at);
  return result;
}
