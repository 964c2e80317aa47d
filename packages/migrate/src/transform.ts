/**
 * The rewrite of one file: generator coroutines (`gen.coroutine`, `@coroutine`
 * methods, `co`, `co.wrap`) become async functions, `yield` becomes `await`,
 * `throw new Return(v)` becomes `return v`; every spot where the rewritten
 * code can behave differently gets a `// whirlwind-migrate:` comment.
 */
import type * as t from '@babel/types';
import { end, hasOwnThis, isFunction, line, memberParts, propertyName, start, walk } from './ast.js';
import { coCall, findBindings, genExport, type Bindings } from './bindings.js';
import { Edits } from './edits.js';
import { FLAG_PREFIX, flagsInText, type Flag, type FlagKind } from './flags.js';
import { tidyImports, type NeededImport } from './imports.js';
import { isTypeScriptFile, parseSource, tokenLabel, type Parsed, type Token } from './parse.js';

export interface MigrateOptions {
  /** `yield [a, b]` becomes `await Promise.all([a, b])` (flagged) instead of `await gen.multi([a, b])`. */
  nativeMulti?: boolean;
  /** A coroutine whose result is used as a Future stays wrapped: `gen.coroutine(async function ...)`. */
  keepFuture?: boolean;
}

export interface MigrateResult {
  output: string;
  changed: boolean;
  /** Coroutines rewritten as async functions. */
  converted: number;
  /** Every flag comment in the output (new ones and ones left from an earlier run). */
  flags: Flag[];
}

type Style = 'tornado' | 'co';

interface Site {
  fn: t.FunctionExpression | t.FunctionDeclaration | t.ClassMethod | t.ClassPrivateMethod;
  style: Style;
  /** `helper`: a plain generator function that rewritten coroutines only ever run with `yield* helper()` (or co's `yield helper()`). */
  form: 'wrap' | 'run' | 'method' | 'helper';
  call?: t.CallExpression;
  decorators: t.Decorator[];
  name?: string;
  keep: boolean;
  /** The wrapper call is called or dereferenced (`gen.coroutine(function* () {})()`): the function needs parentheses. */
  operand?: boolean;
}

/** Yield arguments that `await` takes without parentheses. */
const TIGHT_ARGUMENTS = new Set([
  'Identifier',
  'MemberExpression',
  'OptionalMemberExpression',
  'CallExpression',
  'OptionalCallExpression',
  'NewExpression',
  'StringLiteral',
  'NumericLiteral',
  'BigIntLiteral',
  'BooleanLiteral',
  'NullLiteral',
  'RegExpLiteral',
  'TemplateLiteral',
  'TaggedTemplateExpression',
  'ArrayExpression',
  'ObjectExpression',
  'ThisExpression',
  'Super',
  'AwaitExpression',
  'UnaryExpression',
  'TSNonNullExpression',
  'FunctionExpression',
  'ClassExpression',
  'ParenthesizedExpression',
  'UpdateExpression',
]);

/** Methods that only a Future has (a Promise has none of them). */
const FUTURE_METHODS = new Set([
  'done',
  'result',
  'exception',
  'addDoneCallback',
  'removeDoneCallback',
  'cancelled',
  'setResult',
  'setException',
]);

/** Expressions that stand for their operand at run time. */
const TRANSPARENT = new Set([
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'ParenthesizedExpression',
]);

/** Array methods that give a new array: `yield items.map(f)` yields a list. */
const ARRAY_METHODS = new Set(['map', 'filter', 'concat', 'slice', 'flat', 'flatMap', 'from', 'of']);

const LITERALS = new Set([
  'NumericLiteral',
  'StringLiteral',
  'BooleanLiteral',
  'BigIntLiteral',
  'RegExpLiteral',
  'TemplateLiteral',
]);

const GENERATOR_TYPES = new Set(['Generator', 'Iterator', 'IterableIterator', 'Iterable']);

export const HELPER_NAME = 'allProperties';

const TS_HELPER = `
/** Added by whirlwind migrate: awaits every property of \`object\` together, as \`yield { ... }\` did. */
async function ${HELPER_NAME}<T extends object>(object: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(object).map(async ([key, value]) => [key, await value] as const));
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}
`;

const JS_HELPER = `
/** Added by whirlwind migrate: awaits every property of \`object\` together, as \`yield { ... }\` did. */
async function ${HELPER_NAME}(object) {
  const entries = await Promise.all(Object.entries(object).map(async ([key, value]) => [key, await value]));
  return Object.fromEntries(entries);
}
`;

class Migration {
  readonly edits = new Edits();
  private readonly parsed: Parsed;
  private readonly bindings: Bindings;
  /** Comment lines to insert, by the offset of the line they go above. */
  private readonly comments = new Map<number, string[]>();
  readonly needed = new Set<NeededImport>();
  needsHelper = false;
  converted = 0;
  private convertedTornado = false;
  private readonly handledReturns = new Set<t.Node>();
  private readonly localFunctions = new Map<string, 'generator' | 'function'>();
  /** Local generator functions rewritten as async functions because coroutines only delegate to them. */
  private readonly helperNames = new Set<string>();
  /** Local functions that return a function (a thunk, for co). */
  private readonly thunkFactories = new Set<string>();
  /** Variables initialized with an array or object literal (or an array method's result). */
  private readonly collectionVariables = new Map<string, 'array' | 'object'>();

  constructor(
    readonly text: string,
    readonly file: string,
    readonly options: MigrateOptions,
  ) {
    this.parsed = parseSource(text, file);
    this.bindings = findBindings(this.parsed.program);
  }

  run(): void {
    this.collectLocalFunctions();
    const sites = this.findSites();
    for (const site of sites) this.checkResultUses(site);
    const helpers = this.findDelegatedHelpers(sites);
    for (const helper of helpers) this.helperNames.add(helper.name!);
    for (const site of [...sites, ...helpers]) this.convert(site);
    this.flagConcurrentCalls(sites);
    this.flagLeftoverReturns();
    for (const [offset, lines] of this.comments) this.edits.insert(offset, lines.join(''));
  }

  // ---- what the file holds -------------------------------------------------------------------------

  private collectLocalFunctions(): void {
    walk(this.parsed.program, (node) => {
      if (node.type === 'Identifier' && node.typeAnnotation) {
        const kind = collectionType(node.typeAnnotation);
        if (kind !== undefined) this.collectionVariables.set(node.name, kind);
      }
      if (node.type === 'FunctionDeclaration' && node.id) {
        this.localFunctions.set(node.id.name, node.generator ? 'generator' : 'function');
        if (!node.generator && returnsFunction(node)) this.thunkFactories.add(node.id.name);
      } else if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.init) {
        const init = node.init;
        if (init.type === 'FunctionExpression' || init.type === 'ArrowFunctionExpression') {
          this.localFunctions.set(node.id.name, init.generator ? 'generator' : 'function');
        } else if (
          init.type === 'CallExpression' &&
          init.callee.type === 'Identifier' &&
          init.callee.name === 'thunkify'
        ) {
          this.thunkFactories.add(node.id.name);
        } else if (init.type === 'ArrayExpression' || init.type === 'ObjectExpression') {
          this.collectionVariables.set(node.id.name, init.type === 'ArrayExpression' ? 'array' : 'object');
        } else {
          const kind = this.collectionKind(init);
          if (kind !== undefined) this.collectionVariables.set(node.id.name, kind);
        }
      }
    });
  }

  private findSites(): Site[] {
    const sites: Site[] = [];
    walk(this.parsed.program, (node, parents) => {
      if (node.type === 'CallExpression') {
        const site = this.callSite(node, parents);
        if (site) sites.push(site);
      } else if ((node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') && node.generator && !node.async) {
        const decorators = (node.decorators ?? []).filter(
          (d) => genExport(this.bindings, d.expression) === 'coroutine',
        );
        if (decorators.length > 0) {
          sites.push({
            fn: node,
            style: 'tornado',
            form: 'method',
            decorators,
            name: propertyName(node.key, node.computed),
            keep: false,
          });
        }
      }
    });
    return sites;
  }

  private callSite(call: t.CallExpression, parents: readonly t.Node[]): Site | undefined {
    const [first] = call.arguments;
    const isGenerator = first?.type === 'FunctionExpression' && first.generator && !first.async;
    const name = () => bindingName(call, parents);
    const parent = parents[parents.length - 1];
    const operand =
      parent !== undefined &&
      (((parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.callee === call) ||
        ((parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') &&
          parent.object === call) ||
        (parent.type === 'TaggedTemplateExpression' && parent.tag === call) ||
        (parent.type === 'ExpressionStatement' && start(parent) === start(call)));
    if (genExport(this.bindings, call.callee) === 'coroutine') {
      if (isGenerator && call.arguments.length === 1) {
        return { fn: first, style: 'tornado', form: 'wrap', call, decorators: [], name: name(), keep: false, operand };
      }
      if (first && first.type !== 'FunctionExpression' && first.type !== 'ArrowFunctionExpression') {
        this.flag(
          call,
          'unconverted',
          'coroutine() of a function defined elsewhere is not converted: ' +
            'write the generator inline here, or convert its definition by hand',
        );
      }
      return undefined;
    }
    const co = coCall(this.bindings, call.callee);
    if (co === undefined || !isGenerator) return undefined;
    if (co === 'wrap' && call.arguments.length !== 1) return undefined;
    return {
      fn: first,
      style: 'co',
      form: co,
      call,
      decorators: [],
      name: co === 'wrap' ? name() : undefined,
      keep: false,
      operand,
    };
  }

  /**
   * Generator functions declared in this file that are only ever called as `yield* helper(...)` (or, in co
   * code, `yield helper(...)`) from rewritten coroutines or from other such helpers: they become async
   * functions too, and those yields plain awaits. One that mentions gen.Return stays (a Return thrown in it
   * ended the calling coroutine, which `return` in an async helper would not).
   */
  private findDelegatedHelpers(sites: Site[]): Site[] {
    const candidates = new Map<string, t.FunctionDeclaration>();
    walk(this.parsed.program, (node, parents) => {
      if (node.type !== 'FunctionDeclaration' || !node.generator || node.async || !node.id) return;
      if (parents[parents.length - 1]?.type.startsWith('Export')) return; // other modules may iterate it
      let mentionsReturn = false;
      walk(node.body, (inner) => {
        if (genExport(this.bindings, inner) === 'Return') mentionsReturn = true;
      });
      if (!mentionsReturn) candidates.set(node.id.name, node);
    });
    const styles = new Map<string, Style>();
    const delegatedTo = new Set<string>();
    let changed = true;
    while (changed && candidates.size > 0) {
      changed = false;
      const runners = new Map<t.Node, Style>(sites.map((site) => [site.fn, site.style]));
      for (const [name, declaration] of candidates) runners.set(declaration, styles.get(name) ?? 'tornado');
      walk(this.parsed.program, (node, parents) => {
        if (node.type !== 'Identifier' || !candidates.has(node.name)) return;
        const declaration = candidates.get(node.name)!;
        if (parents[parents.length - 1] === declaration) return; // its own name
        const call = parents[parents.length - 1];
        const yielded = parents[parents.length - 2];
        const runner = [...parents].reverse().find(isFunction);
        const style = runner && runners.get(runner);
        const delegated =
          call?.type === 'CallExpression' &&
          call.callee === node &&
          yielded?.type === 'YieldExpression' &&
          yielded.argument === call &&
          style !== undefined &&
          (yielded.delegate || style === 'co');
        if (!delegated) {
          candidates.delete(node.name);
          changed = true;
        } else {
          delegatedTo.add(node.name);
          if (style === 'co') styles.set(node.name, 'co');
        }
      });
    }
    return [...candidates]
      .filter(([name]) => delegatedTo.has(name))
      .map(([name, fn]) => ({
        fn,
        style: styles.get(name) ?? 'tornado',
        form: 'helper' as const,
        decorators: [],
        name,
        keep: false,
      }));
  }

  // ---- uses of a coroutine's result as a Future -------------------------------------------------------

  private checkResultUses(site: Site): void {
    if (site.name === undefined || site.style === 'co') return;
    const name = site.name;
    const futureUses: t.Node[] = [];
    const cancels: t.Node[] = [];
    const record = (member: t.Node, method: string) => {
      if (method === 'cancel') cancels.push(member);
      else if (FUTURE_METHODS.has(method)) futureUses.push(member);
    };
    walk(this.parsed.program, (node, parents) => {
      if (node.type !== 'CallExpression' || !callsName(node.callee, name)) return;
      // `f() as Future<T>`, `f()!` and `(f())` are the call itself.
      let depth = parents.length - 1;
      let value: t.Node = node;
      while (depth >= 0 && TRANSPARENT.has(parents[depth].type)) value = parents[depth--];
      const parent = parents[depth];
      parents = parents.slice(0, depth + 1);
      const memberOfCall = parent && memberParts(parent);
      if (memberOfCall && memberOfCall[0] === value) record(parent, memberOfCall[1]);
      const variable = assignedVariable(value, parent);
      if (variable === undefined) return;
      const scope = [...parents].reverse().find(isFunction) ?? this.parsed.program;
      walk(scope, (inner) => {
        const parts = memberParts(inner);
        if (parts && parts[0].type === 'Identifier' && parts[0].name === variable) record(inner, parts[1]);
      });
    });
    for (const use of cancels) {
      this.flag(
        use,
        'cancel',
        `cancel() threw CancelledError into ${name}'s generator; an async function cannot be ` +
          'cancelled from outside: pass it an AbortSignal (or a flag) and check it',
      );
    }
    if (futureUses.length === 0) return;
    if (this.options.keepFuture) {
      site.keep = true;
      return;
    }
    for (const use of futureUses) {
      this.flag(
        use,
        'future-use',
        `${name}() now returns a Promise, which has no ${memberParts(use)?.[1]}(): ` +
          'rewrite this use, or run again with --keep-future',
      );
    }
  }

  // ---- rewriting one coroutine -----------------------------------------------------------------------

  private convert(site: Site): void {
    this.converted++;
    if (site.style === 'tornado') this.convertedTornado = true;
    const { fn } = site;
    if (site.form === 'method') this.convertMethodHeader(site);
    else if (site.form === 'helper') this.replaceFunctionKeyword(site.fn as t.FunctionDeclaration);
    else if (site.form === 'run') this.convertImmediateCall(site);
    else this.convertWrapped(site);
    this.fixReturnType(fn);
    this.convertBody(site);
    this.flagOrderingHelpers(site);
  }

  private convertWrapped(site: Site): void {
    const call = site.call!;
    const fn = site.fn as t.FunctionExpression;
    if (!site.keep) {
      // Called or dereferenced at once, the function expression keeps parentheses (`(async function () {})()`).
      const open = !site.operand ? '' : this.startsStatementAfterNoSemicolon(call) ? ';(' : '(';
      this.edits.replace(start(call), this.tokenAfter('(', end(call.typeParameters ?? call.callee)).end, open);
      this.edits.replace(end(fn), end(call), site.operand ? ')' : '');
    }
    this.replaceFunctionKeyword(fn);
  }

  private convertImmediateCall(site: Site): void {
    const call = site.call!;
    const fn = site.fn as t.FunctionExpression;
    const open = this.tokenAfter('(', end(call.callee));
    const needsSemicolon = this.startsStatementAfterNoSemicolon(call);
    this.edits.replace(start(call), open.end, needsSemicolon ? ';(' : '(');
    const extra = call.arguments.slice(1);
    const args = extra.length === 0 ? '' : this.text.slice(start(extra[0]), end(extra[extra.length - 1]));
    this.edits.replace(end(fn), end(call), `)(${args})`);
    if (usesOwnThis(fn) || fn.id) {
      this.replaceFunctionKeyword(fn);
      return;
    }
    const paramsOpen = this.tokenAfter('(', start(fn));
    this.edits.replace(start(fn), paramsOpen.start, 'async ');
    const closeParen = this.lastTokenBefore(')', start(fn.returnType ?? fn.body));
    this.edits.insert(fn.returnType ? end(fn.returnType) : closeParen.end, ' =>');
  }

  private convertMethodHeader(site: Site): void {
    const method = site.fn as t.ClassMethod;
    if (!site.keep) {
      for (const decorator of site.decorators) {
        this.edits.replace(start(decorator), this.tokenAt(end(decorator)).start, '');
      }
    }
    const from = Math.max(...(method.decorators ?? []).map(end), start(method));
    const star = this.tokenAfter('*', from);
    const next = this.text[star.end];
    this.edits.replace(star.start, star.end, /\s/.test(next) ? 'async' : 'async ');
  }

  /** `function*` / `function *name` -> `async function` / `async function name`. */
  private replaceFunctionKeyword(fn: t.FunctionExpression | t.FunctionDeclaration): void {
    const star = this.tokenAfter('*', start(fn));
    const next = this.text[star.end];
    this.edits.replace(start(fn), star.end, /[\w$]/.test(next) ? 'async function ' : 'async function');
  }

  /** `: Generator<Y, R, N>` -> `: Promise<R>`; other iterator annotations are dropped. */
  private fixReturnType(fn: t.Function): void {
    const annotation = fn.returnType;
    if (!annotation || annotation.type !== 'TSTypeAnnotation') return;
    const type = annotation.typeAnnotation;
    if (
      type.type !== 'TSTypeReference' ||
      type.typeName.type !== 'Identifier' ||
      !GENERATOR_TYPES.has(type.typeName.name)
    ) {
      return;
    }
    const params = type.typeParameters?.params ?? [];
    if (type.typeName.name === 'Generator' && params.length >= 2) {
      this.edits.replace(start(type), end(type), `Promise<${this.text.slice(start(params[1]), end(params[1]))}>`);
    } else {
      this.edits.replace(start(annotation), end(annotation), '');
    }
  }

  private convertBody(site: Site): void {
    const body = site.fn.body;
    walk(body, (node, parents) => {
      if (node !== body && isFunction(node)) return false;
      if (node.type === 'YieldExpression') this.convertYield(node, site);
      else if (node.type === 'ThrowStatement') this.convertThrow(node, parents, site);
      return true;
    });
  }

  // ---- yield -----------------------------------------------------------------------------------------

  private convertYield(node: t.YieldExpression, site: Site): void {
    if (node.delegate) return this.convertDelegate(node, site);
    const argument = node.argument;
    if (!argument || isNothing(argument) || genExport(this.bindings, argument) === 'moment') {
      return this.convertYieldOfNothing(node, site);
    }
    if (argument.type === 'ArrayExpression' || argument.type === 'ObjectExpression') {
      return this.convertYieldOfCollection(node, argument, site);
    }
    const collection = this.collectionKind(unwrapTypes(argument));
    if (collection !== undefined) return this.convertYieldOfCollection(node, argument, site, collection);
    if (LITERALS.has(unwrapTypes(argument).type)) {
      this.flag(
        node,
        'bad-yield',
        `${site.style === 'co' ? 'co threw a TypeError' : 'the runner threw BadYieldError'} ` +
          'for a yield of this value; await just passes it on: await what was meant',
      );
    }
    if (site.style === 'co') this.checkCoYieldable(argument);
    else this.checkExplicitMulti(argument);
    this.awaitInstead(node, argument);
  }

  private awaitInstead(node: t.YieldExpression, argument: t.Node, wrapWith = ''): void {
    this.edits.replace(start(node), start(node) + 'yield'.length, 'await');
    const parenthesize = wrapWith === '' && !TIGHT_ARGUMENTS.has(argument.type) && !isParenthesized(argument);
    if (wrapWith !== '' || parenthesize) {
      this.edits.insert(start(argument), `${wrapWith}(`);
      this.edits.insert(end(argument), ')');
    }
  }

  private convertYieldOfNothing(node: t.YieldExpression, site: Site): void {
    if (site.style === 'co') {
      this.flag(
        node,
        'yield-nothing',
        'co threw a TypeError for a yield of null/undefined; await just resumes: ' +
          'remove this await, or await what was meant',
      );
      if (node.argument) this.awaitInstead(node, node.argument);
      else this.edits.replace(start(node), end(node), 'await undefined');
      return;
    }
    this.flag(
      node,
      'moment',
      'a yield of nothing/null/moment waited one IOLoop iteration; await gen.moment ' +
        'resumes after the callbacks already queued, as close as native code can',
    );
    const argument = node.argument;
    if (argument && genExport(this.bindings, argument) === 'moment') this.awaitInstead(node, argument);
    else this.edits.replace(start(node), end(node), `await ${this.runtimeName('moment')}`);
  }

  /**
   * A yield of an array or object the code does not spell out: `yield ids.map(f)`, or `yield futures`
   * where `const futures = []`. The runner waited for their elements; await would not.
   */
  private collectionKind(argument: t.Node): 'array' | 'object' | undefined {
    if (argument.type === 'Identifier') return this.collectionVariables.get(argument.name);
    if (argument.type !== 'CallExpression') return undefined;
    const method = memberParts(argument.callee)?.[1];
    if (method !== undefined && ARRAY_METHODS.has(method)) return 'array';
    const callee = argument.callee;
    if (
      callee.type === 'MemberExpression' &&
      callee.object.type === 'Identifier' &&
      callee.object.name === 'Object' &&
      method === 'fromEntries'
    ) {
      return 'object';
    }
    return undefined;
  }

  private convertYieldOfCollection(
    node: t.YieldExpression,
    argument: t.Node,
    site: Site,
    kind?: 'array' | 'object',
  ): void {
    const isArray = kind === undefined ? argument.type === 'ArrayExpression' : kind === 'array';
    if (site.style === 'co') {
      const elements =
        argument.type === 'ArrayExpression'
          ? argument.elements
          : argument.type === 'ObjectExpression'
            ? argument.properties.map((p) => (p.type === 'ObjectProperty' ? p.value : null))
            : [];
      for (const element of elements) if (element) this.checkCoYieldable(element);
      return this.awaitInstead(node, argument, isArray ? 'Promise.all' : this.helper());
    }
    if (this.options.nativeMulti) {
      this.flag(
        node,
        'native-multi',
        `${isArray ? 'Promise.all' : HELPER_NAME} rejects at the first failure and ` +
          'drops the others; gen.multi waited for every child and logged the other failures',
      );
      return this.awaitInstead(node, argument, isArray ? 'Promise.all' : this.helper());
    }
    this.awaitInstead(node, argument, this.runtimeName('multi'));
  }

  /** `yield gen.multi(...)` stays as it is, unless --native-multi asks for Promise.all. */
  private checkExplicitMulti(argument: t.Node): void {
    if (argument.type !== 'CallExpression') return;
    const name = genExport(this.bindings, argument.callee);
    if (name !== 'multi' && name !== 'multiFuture') return;
    if (argument.arguments.length > 1) {
      if (this.options.nativeMulti) {
        this.flag(
          argument,
          'quiet-exceptions',
          `${name} with quietExceptions is kept: Promise.all has no way to ` + 'log some failures and silence others',
        );
      }
      return;
    }
    const [children] = argument.arguments;
    if (
      !this.options.nativeMulti ||
      !children ||
      (children.type !== 'ArrayExpression' && children.type !== 'ObjectExpression')
    ) {
      return;
    }
    this.flag(
      argument,
      'native-multi',
      'Promise.all rejects at the first failure and drops the others; ' +
        'gen.multi waited for every child and logged the other failures',
    );
    this.edits.replace(
      start(argument.callee),
      end(argument.callee),
      children.type === 'ArrayExpression' ? 'Promise.all' : this.helper(),
    );
  }

  private convertDelegate(node: t.YieldExpression, site: Site): void {
    const argument = node.argument!;
    const star = this.tokenAfter('*', start(node));
    if (
      argument.type === 'CallExpression' &&
      genExport(this.bindings, argument.callee) === 'take' &&
      argument.arguments.length === 1
    ) {
      const inner = argument.arguments[0];
      const bare = unwrapTypes(inner);
      const collection =
        bare.type === 'ArrayExpression'
          ? 'array'
          : bare.type === 'ObjectExpression'
            ? 'object'
            : this.collectionKind(bare);
      const wrap =
        collection !== undefined ? `${this.runtimeName('multi')}(` : !TIGHT_ARGUMENTS.has(inner.type) ? '(' : '';
      this.edits.replace(start(node), start(inner), `await ${wrap}`);
      this.edits.replace(end(inner), end(argument), wrap === '' ? '' : ')');
      return;
    }
    if ((site.style === 'co' && !this.callsHelper(argument)) || this.callsLocalGenerator(argument)) {
      this.flag(
        node,
        'generator',
        'yield* ran a generator inside this one; await does not run generators: ' +
          'make that generator an async function and await its call',
      );
    }
    const next = this.text[star.end];
    this.edits.replace(start(node), star.end, /\s/.test(next) ? 'await' : 'await ');
    if (!TIGHT_ARGUMENTS.has(argument.type) && !isParenthesized(argument)) {
      this.edits.insert(start(argument), '(');
      this.edits.insert(end(argument), ')');
    }
  }

  /** A call of a local generator function that stays a generator. */
  private callsLocalGenerator(node: t.Node): boolean {
    return (
      node.type === 'CallExpression' &&
      node.callee.type === 'Identifier' &&
      this.localFunctions.get(node.callee.name) === 'generator' &&
      !this.helperNames.has(node.callee.name)
    );
  }

  private callsHelper(node: t.Node): boolean {
    return (
      node.type === 'CallExpression' && node.callee.type === 'Identifier' && this.helperNames.has(node.callee.name)
    );
  }

  /** co ran yielded thunks and generators; await does neither. */
  private checkCoYieldable(node: t.Node): void {
    if (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') {
      return this.flagCoYield(node, node.type === 'FunctionExpression' && node.generator ? 'generator' : 'thunk');
    }
    if (node.type === 'Identifier') {
      const kind = this.localFunctions.get(node.name);
      if (kind !== undefined) this.flagCoYield(node, kind === 'generator' ? 'generator' : 'thunk');
      return;
    }
    if (node.type !== 'CallExpression') return;
    const callee = node.callee;
    if (this.callsLocalGenerator(node)) return this.flagCoYield(node, 'generator');
    const isThunk =
      (callee.type === 'Identifier' && this.thunkFactories.has(callee.name)) ||
      (callee.type === 'CallExpression' && callee.callee.type === 'Identifier' && callee.callee.name === 'thunkify') ||
      memberParts(callee)?.[1] === 'bind';
    if (isThunk) this.flagCoYield(node, 'thunk');
  }

  private flagCoYield(node: t.Node, kind: 'generator' | 'thunk'): void {
    if (kind === 'generator') {
      this.flag(
        node,
        'generator',
        'co ran a yielded generator (or generator function) as a sub-coroutine; await ' +
          'does not: make it an async function and await its call',
      );
    } else {
      this.flag(
        node,
        'thunk',
        'co called a yielded thunk with a callback; await does not call functions: ' +
          'turn it into a Promise (util.promisify) and await that',
      );
    }
  }

  // ---- throw new Return(v) ----------------------------------------------------------------------------

  private convertThrow(node: t.ThrowStatement, parents: readonly t.Node[], site: Site): void {
    const thrown = node.argument;
    if (thrown.type !== 'NewExpression' || genExport(this.bindings, thrown.callee) !== 'Return') return;
    if (site.style === 'co') return; // co has no Return; a gen.Return in co code is a value like any other
    this.handledReturns.add(thrown);
    const [value] = thrown.arguments;
    if (!value) {
      this.edits.replace(start(node), end(thrown), 'return');
    } else {
      const multiline = line(value) !== line(node);
      this.edits.replace(start(node), start(value), multiline ? 'return (' : 'return ');
      this.edits.replace(end(value), end(thrown), multiline ? ')' : '');
    }
    const catchers = this.catchesOnTheWay(node, parents, site.fn.body);
    for (const handler of catchers) {
      this.flag(
        node,
        'catch-return',
        `the throw new Return here was caught by the catch at line ${line(handler)}; ` +
          'return skips that catch: check the catch did not rely on it',
      );
    }
  }

  /** The catch clauses between a statement and its function's body whose try block holds the statement. */
  private catchesOnTheWay(node: t.Node, parents: readonly t.Node[], body: t.Node): t.CatchClause[] {
    const handlers: t.CatchClause[] = [];
    let child: t.Node = node;
    for (let i = parents.length - 1; i >= 0 && child !== body; i--) {
      const parent = parents[i];
      if (parent.type === 'TryStatement' && parent.block === child && parent.handler) handlers.push(parent.handler);
      child = parent;
    }
    return handlers;
  }

  /** `new Return(v)` that is not thrown straight out of a rewritten coroutine, and `instanceof Return`. */
  private flagLeftoverReturns(): void {
    if (this.converted === 0) return;
    walk(this.parsed.program, (node) => {
      const method = node.type === 'CallExpression' ? memberParts(node.callee)?.[1] : undefined;
      if (this.convertedTornado && (method === 'cancel' || method === 'cancelled') && !this.flaggedAs(node, 'cancel')) {
        this.flag(
          node,
          'cancel',
          `if this ${method}() is on a rewritten coroutine's result: an async function's ` +
            'Promise cannot be cancelled (no CancelledError): pass it an AbortSignal (or a flag) and check it',
        );
      }
      if (
        node.type === 'NewExpression' &&
        genExport(this.bindings, node.callee) === 'Return' &&
        !this.handledReturns.has(node)
      ) {
        this.flag(
          node,
          'return-value',
          'a gen.Return made here is not thrown straight out of a coroutine; the ' +
            'rewritten coroutines return their value instead: return it, or handle it where it is caught',
        );
      } else if (
        node.type === 'BinaryExpression' &&
        node.operator === 'instanceof' &&
        genExport(this.bindings, node.right) === 'Return'
      ) {
        this.flag(
          node,
          'return-value',
          'the rewritten coroutines no longer throw gen.Return, so this test no ' + 'longer sees their results',
        );
      }
    });
  }

  // ---- ordering -----------------------------------------------------------------------------------------

  /** The done-Future fast path is gone; flag functions that order work by loop iterations. */
  private flagOrderingHelpers(site: Site): void {
    const found = new Set<string>();
    walk(site.fn.body, (node) => {
      if (genExport(this.bindings, node) === 'moment') found.add('moment');
      if (node.type === 'YieldExpression' && !node.delegate && (!node.argument || isNothing(node.argument)))
        found.add('moment');
      if (node.type !== 'CallExpression') return;
      const callee = node.callee;
      const [first] = node.arguments;
      const zero = first?.type === 'NumericLiteral' && first.value === 0;
      if (genExport(this.bindings, callee) === 'sleep' && zero) found.add('sleep(0)');
      const method = memberParts(callee)?.[1] ?? (callee.type === 'Identifier' ? callee.name : undefined);
      if (method === 'addCallback' || method === 'spawnCallback' || (method === 'callLater' && zero))
        found.add('loop callbacks');
      if (method === 'setImmediate' || method === 'nextTick' || method === 'queueMicrotask')
        found.add('loop callbacks');
    });
    if (site.style === 'co' || found.size === 0) return;
    this.flag(
      site.call ?? site.fn,
      'fast-path',
      `await always gives up control, even for a ` +
        `done Future; this function orders work with ${[...found].join(', ')}, so its interleaving can change`,
    );
  }

  /**
   * Calls of rewritten coroutines that are left running while the caller goes on (`const a = f(); const b = g();`,
   * `yield [f(), g()]`): their steps interleave differently once `await` gives up control at every step.
   */
  private flagConcurrentCalls(sites: Site[]): void {
    const names = new Set(sites.filter((s) => s.style === 'tornado' && s.name !== undefined).map((s) => s.name!));
    if (names.size === 0) return;
    walk(this.parsed.program, (node, parents) => {
      if (node.type !== 'CallExpression') return;
      const name = node.callee.type === 'Identifier' ? node.callee.name : memberParts(node.callee)?.[1];
      if (name === undefined || !names.has(name)) return;
      let depth = parents.length - 1;
      while (depth >= 0 && TRANSPARENT.has(parents[depth].type)) depth--;
      const parent = parents[depth];
      const awaited =
        parent &&
        (parent.type === 'YieldExpression' ||
          parent.type === 'AwaitExpression' ||
          parent.type === 'ReturnStatement' ||
          parent.type === 'ArrowFunctionExpression');
      if (awaited) return;
      this.flag(
        node,
        'interleaving',
        'this coroutine runs on while other code does; await gives up control at ' +
          'every step, even for a done Future, so the order of their steps can change',
      );
    });
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** The text that names a runtime export here (`gen.multi`, `multi`), noting an import to add if none. */
  private runtimeName(name: NeededImport): string {
    const [namespace] = this.bindings.genNamespaces;
    if (namespace !== undefined) return `${namespace}.${name}`;
    for (const [local, exported] of this.bindings.named) if (exported === name) return local;
    const [root] = this.bindings.rootNamespaces;
    if (root !== undefined) return `${root}.${name}`;
    this.needed.add(name);
    return name;
  }

  private helper(): string {
    this.needsHelper = true;
    return HELPER_NAME;
  }

  flag(node: t.Node, kind: FlagKind, message: string): void {
    const lineStart = this.text.lastIndexOf('\n', start(node) - 1) + 1;
    const indent = /^[ \t]*/.exec(this.text.slice(lineStart))![0];
    const comment = `${indent}${FLAG_PREFIX} ${kind}: ${message}\n`;
    const pending = this.comments.get(lineStart) ?? [];
    if (pending.includes(comment) || this.commentAbove(lineStart).includes(comment.trim())) return;
    pending.push(comment);
    this.comments.set(lineStart, pending);
  }

  private flaggedAs(node: t.Node, kind: FlagKind): boolean {
    const lineStart = this.text.lastIndexOf('\n', start(node) - 1) + 1;
    return (this.comments.get(lineStart) ?? []).some((comment) => comment.includes(`${FLAG_PREFIX} ${kind}:`));
  }

  /** The flag comments right above a line (left by an earlier run). */
  private commentAbove(lineStart: number): string[] {
    const found: string[] = [];
    let cursor = lineStart;
    while (cursor > 0) {
      const previous = this.text.lastIndexOf('\n', cursor - 2) + 1;
      const content = this.text.slice(previous, cursor - 1).trim();
      if (!content.startsWith(FLAG_PREFIX)) break;
      found.push(content);
      cursor = previous;
    }
    return found;
  }

  private tokenAt(offset: number): Token {
    const token = this.parsed.tokens.find((candidate) => candidate.start >= offset);
    if (!token) throw new Error(`internal: no token after offset ${offset} in ${this.file}`);
    return token;
  }

  private tokenAfter(label: string, offset: number): Token {
    const token = this.parsed.tokens.find((candidate) => candidate.start >= offset && tokenLabel(candidate) === label);
    if (!token) throw new Error(`internal: no '${label}' after offset ${offset} in ${this.file}`);
    return token;
  }

  private lastTokenBefore(label: string, offset: number): Token {
    const tokens = this.parsed.tokens.filter((candidate) => candidate.end <= offset && tokenLabel(candidate) === label);
    if (tokens.length === 0) throw new Error(`internal: no '${label}' before offset ${offset} in ${this.file}`);
    return tokens[tokens.length - 1];
  }

  /** A statement that will start with `(` needs a `;` when the code before it has none (ASI). */
  private startsStatementAfterNoSemicolon(call: t.CallExpression): boolean {
    const before = this.text.slice(0, start(call)).replace(/(\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s)+$/, '');
    const lineStart = this.text.lastIndexOf('\n', start(call) - 1) + 1;
    const atLineStart = this.text.slice(lineStart, start(call)).trim() === '';
    return atLineStart && before !== '' && !/[;{}]$/.test(before);
  }
}

/** True when a function's own `return` statements give a function expression or an arrow. */
function returnsFunction(fn: t.Function): boolean {
  let found = false;
  walk(fn.body, (node) => {
    if (node !== fn.body && isFunction(node)) return false;
    const value = node.type === 'ReturnStatement' ? node.argument : undefined;
    if (value && (value.type === 'ArrowFunctionExpression' || value.type === 'FunctionExpression')) found = true;
    return !found;
  });
  return found;
}

/** `x as T`, `x satisfies T`, `x!`, `<T>x` -> x. */
function unwrapTypes(node: t.Node): t.Node {
  while (TRANSPARENT.has(node.type) && node.type !== 'ParenthesizedExpression')
    node = (node as t.TSAsExpression).expression;
  return node;
}

/** 'array' or 'object' for a type annotation that says so (`T[]`, `[A, B]`, `Array<T>`, `Record<K, V>`, `{ a: T }`). */
function collectionType(annotation: t.Node | null | undefined): 'array' | 'object' | undefined {
  if (!annotation || annotation.type !== 'TSTypeAnnotation') return undefined;
  const type = annotation.typeAnnotation;
  if (type.type === 'TSArrayType' || type.type === 'TSTupleType') return 'array';
  if (type.type === 'TSTypeLiteral') return 'object';
  if (type.type === 'TSTypeOperator' && type.operator === 'readonly') return 'array';
  if (type.type !== 'TSTypeReference' || type.typeName.type !== 'Identifier') return undefined;
  if (type.typeName.name === 'Array' || type.typeName.name === 'ReadonlyArray') return 'array';
  if (type.typeName.name === 'Record') return 'object';
  return undefined;
}

function isNothing(node: t.Node): boolean {
  return (
    node.type === 'NullLiteral' ||
    (node.type === 'Identifier' && node.name === 'undefined') ||
    (node.type === 'UnaryExpression' && node.operator === 'void' && node.argument.type === 'NumericLiteral')
  );
}

function isParenthesized(node: t.Node): boolean {
  return (node.extra as { parenthesized?: boolean } | undefined)?.parenthesized === true;
}

/** True when a generator's body uses its own `this` or `arguments` (arrows inside included). */
function usesOwnThis(fn: t.Function): boolean {
  let uses = false;
  walk(fn.body, (node) => {
    if (node !== fn.body && hasOwnThis(node)) return false;
    if (node.type === 'ThisExpression' || (node.type === 'Identifier' && node.name === 'arguments')) uses = true;
    return !uses;
  });
  return uses;
}

/** The name a coroutine is bound to: `const f = ...`, `load = ...` in a class, `{ f: ... }`, `x.f = ...`. */
function bindingName(call: t.Node, parents: readonly t.Node[]): string | undefined {
  const parent = parents[parents.length - 1];
  if (!parent) return undefined;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if (
    (parent.type === 'ClassProperty' || parent.type === 'ClassPrivateProperty' || parent.type === 'ObjectProperty') &&
    parent.value === call
  ) {
    return parent.type === 'ClassPrivateProperty'
      ? `#${parent.key.id.name}`
      : propertyName(parent.key, parent.computed);
  }
  if (parent.type === 'AssignmentExpression' && parent.right === call) {
    if (parent.left.type === 'Identifier') return parent.left.name;
    return memberParts(parent.left)?.[1];
  }
  return undefined;
}

function callsName(callee: t.Node, name: string): boolean {
  if (callee.type === 'Identifier') return callee.name === name;
  return memberParts(callee)?.[1] === name;
}

/** `v` in `const v = call` or `v = call`. */
function assignedVariable(call: t.Node, parent: t.Node | undefined): string | undefined {
  if (parent?.type === 'VariableDeclarator' && parent.init === call && parent.id.type === 'Identifier')
    return parent.id.name;
  if (parent?.type === 'AssignmentExpression' && parent.right === call && parent.left.type === 'Identifier') {
    return parent.left.name;
  }
  return undefined;
}

/**
 * Rewrites one file's text. Throws MigrateParseError when the text does not
 * parse (nothing is changed then).
 */
export function migrateSource(text: string, file: string, options: MigrateOptions = {}): MigrateResult {
  const migration = new Migration(text, file, options);
  migration.run();
  let output = migration.edits.size === 0 ? text : migration.edits.apply(text);
  if (output !== text) {
    output = tidyImports(text, output, file, {
      needed: migration.needed,
      helper: migration.needsHelper ? (isTypeScriptFile(file) ? TS_HELPER : JS_HELPER) : undefined,
      helperName: HELPER_NAME,
    });
    try {
      parseSource(output, file);
    } catch (error) {
      throw new Error(
        `internal: the rewrite of ${file} does not parse (${(error as Error).message}); the file is left as it was`,
      );
    }
  }
  return { output, changed: output !== text, converted: migration.converted, flags: flagsInText(output) };
}
