/**
 * whirlwind/co against the real co 4 (a devDependency): random generator
 * programs, built from every kind of yieldable co knows (promises, thunks,
 * generator objects and functions, arrays, objects, and values it refuses),
 * nested and caught or not, run on both. They must settle alike (the same
 * value, or an error of the same class and message) and leave the same log of
 * side effects, in the same order: each coroutine's steps in program order,
 * and siblings in an array or object started in input order, as co starts them.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import whirlwindCo from 'whirlwind/co';
import { useFreshLoop } from './support/index.js';

const realCo = createRequire(import.meta.url)('co') as (this: unknown, fn: Function) => Promise<unknown>;

/** How many random programs `npm test` runs; CO_DIFF_RUNS raises it for a longer search. */
const RUNS = Number(process.env.CO_DIFF_RUNS ?? 400);

type Leaf =
  | { t: 'value'; v: number | string | null | undefined }
  | { t: 'resolve'; v: number | string; later: boolean }
  | { t: 'reject'; msg: string; later: boolean }
  | { t: 'thunk'; err: null | 0 | '' | string; values: Array<number | string>; later: boolean }
  | { t: 'throwingThunk'; msg: string };
type Node =
  | Leaf
  | { t: 'gen'; body: Stmt[] }
  | { t: 'genFn'; body: Stmt[] }
  | { t: 'array'; items: Node[] }
  | { t: 'object'; entries: Array<[string, Node]> };
type Stmt =
  | { s: 'log' }
  | { s: 'this' }
  | { s: 'yield'; node: Node; guarded: boolean }
  | { s: 'return'; v: number }
  | { s: 'throw'; msg: string };

const word = fc.constantFrom('a', 'b', 'c', 'd');
const later = fc.boolean();
const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  {
    arbitrary: fc.record({ t: fc.constant('value' as const), v: fc.constantFrom(1, 'x', null, undefined, 0) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('resolve' as const),
      v: fc.oneof(fc.integer({ min: 0, max: 9 }), word),
      later,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('reject' as const), msg: word, later }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant('thunk' as const),
      err: fc.constantFrom(null, 0 as const, '' as const, 'thunk failed'),
      values: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 3 }),
      later,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ t: fc.constant('throwingThunk' as const), msg: word }), weight: 1 },
);

const { node } = fc.letrec<{ node: Node; stmt: Stmt; body: Stmt[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 6 },
    { arbitrary: fc.record({ t: fc.constant('gen' as const), body: tie('body') as fc.Arbitrary<Stmt[]> }), weight: 1 },
    {
      arbitrary: fc.record({ t: fc.constant('genFn' as const), body: tie('body') as fc.Arbitrary<Stmt[]> }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('array' as const),
        items: fc.array(tie('node') as fc.Arbitrary<Node>, { maxLength: 4 }),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('object' as const),
        entries: fc.uniqueArray(fc.tuple(word, tie('node') as fc.Arbitrary<Node>), {
          maxLength: 4,
          selector: ([k]) => k,
        }),
      }),
      weight: 1,
    },
  ),
  stmt: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: fc.constant({ s: 'log' as const }), weight: 2 },
    { arbitrary: fc.constant({ s: 'this' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        s: fc.constant('yield' as const),
        node: tie('node') as fc.Arbitrary<Node>,
        guarded: fc.boolean(),
      }),
      weight: 6,
    },
    { arbitrary: fc.record({ s: fc.constant('return' as const), v: fc.integer({ min: 0, max: 9 }) }), weight: 1 },
    { arbitrary: fc.record({ s: fc.constant('throw' as const), msg: word }), weight: 1 },
  ),
  body: fc.array(tie('stmt') as fc.Arbitrary<Stmt>, { maxLength: 5 }),
}));
const program = fc.array(
  fc.oneof(
    { arbitrary: fc.constant<Stmt>({ s: 'log' }), weight: 1 },
    {
      arbitrary: fc.record({ s: fc.constant('yield' as const), node, guarded: fc.boolean() }) as fc.Arbitrary<Stmt>,
      weight: 4,
    },
  ),
  { minLength: 1, maxLength: 6 },
);

/** Settles on a later turn of Node's loop: a real asynchronous source, as I/O would be. */
const soon = (fn: () => void) => setImmediate(fn);

/** Makes the generator function for `body`; `path` names the coroutine in the log. */
function generatorFunction(
  body: Stmt[],
  path: string,
  log: string[],
): (this: { tag: string }) => Generator<unknown, unknown, unknown> {
  return function* (this: { tag: string }) {
    log.push(`${path} start`);
    for (const [i, stmt] of body.entries()) {
      const at = `${path}.${i}`;
      switch (stmt.s) {
        case 'log':
          log.push(`${at} log`);
          break;
        case 'this':
          log.push(`${at} this=${this?.tag}`);
          break;
        case 'return':
          return stmt.v;
        case 'throw':
          throw new Error(`${at} ${stmt.msg}`);
        case 'yield':
          if (!stmt.guarded) {
            log.push(`${at} got ${show(yield yieldable(stmt.node, at, log))}`);
            break;
          }
          try {
            log.push(`${at} got ${show(yield yieldable(stmt.node, at, log))}`);
          } catch (error) {
            log.push(`${at} caught ${describeError(error)}`);
          }
      }
    }
    return `${path} end`;
  };
}

/** Builds the value a `yield` hands over, fresh for each run. */
function yieldable(node: Node, path: string, log: string[]): unknown {
  switch (node.t) {
    case 'value':
      return node.v;
    case 'resolve':
      return node.later ? new Promise((resolve) => soon(() => resolve(node.v))) : Promise.resolve(node.v);
    case 'reject':
      return node.later
        ? new Promise((_, reject) => soon(() => reject(new Error(`${path} ${node.msg}`))))
        : Promise.reject(new Error(`${path} ${node.msg}`));
    case 'thunk':
      return function (this: { tag: string } | undefined, done: (...args: unknown[]) => void) {
        log.push(`${path} thunk called this=${this?.tag}`);
        const err = node.err === 'thunk failed' ? new Error(`${path} thunk failed`) : node.err;
        const call = () => done(err, ...node.values);
        if (node.later) soon(call);
        else call();
      };
    case 'throwingThunk':
      return () => {
        throw new Error(`${path} thunk threw ${node.msg}`);
      };
    case 'gen':
      return generatorFunction(node.body, `${path}/gen`, log).call({ tag: 'own' });
    case 'genFn':
      return generatorFunction(node.body, `${path}/genFn`, log);
    case 'array':
      return node.items.map((item, i) => yieldable(item, `${path}[${i}]`, log));
    case 'object':
      return Object.fromEntries(node.entries.map(([key, item]) => [key, yieldable(item, `${path}{${key}}`, log)]));
  }
}

function show(value: unknown): string {
  return JSON.stringify(value === undefined ? '<undefined>' : value);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `non-error ${show(error)}`;
}

/** Runs `body` as a top-level coroutine on `runCo`; what it settled with, and the log. */
async function transcript(runCo: (this: unknown, fn: Function) => Promise<unknown>, body: Stmt[]): Promise<string[]> {
  const log: string[] = [];
  const fn = generatorFunction(body, 'main', log);
  let outcome: string;
  try {
    outcome = `resolved ${show(await runCo.call({ tag: 'ctx' }, fn))}`;
  } catch (error) {
    outcome = `rejected ${describeError(error)}`;
  }
  // Let every straggler (a child still running after a sibling failed the array) finish its steps.
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  return [...log, outcome];
}

const FAILURE_LINE = /^(.*?)(caught|rejected) (\w*Error): (.*)$/;

/**
 * True if two error lines differ only in which of several siblings' failures won a race co leaves to
 * promise-chain depth: failures in one turn inside one array or object (co rejects with whichever promise
 * chain settles first; whirlwind/co resumes coroutines through the loop, so a child coroutine's failure
 * can lose a race it won on co). The two errors must come from different elements of one collection
 * (their paths part at `[` or `{`); co's TypeError names no path, so it may race with any.
 */
function isFailureRace(expectedLine: string, actualLine: string): boolean {
  const expected = FAILURE_LINE.exec(expectedLine);
  const actual = FAILURE_LINE.exec(actualLine);
  if (expected === null || actual === null || expected[1] !== actual[1] || expected[2] !== actual[2]) return false;
  const [a, b] = [expected, actual].map((match) => (match[3] === 'TypeError' ? null : match[4].split(' ')[0]));
  if (a === null || b === null) return true;
  let common = 0;
  while (common < a.length && a[common] === b[common]) common++;
  // Element indexes and keys are one character here, so the paths part right after the `[` or `{`.
  return a[common - 1] === '[' || a[common - 1] === '{';
}

/** The coroutine a log line belongs to: `main.0[1]{a}/gen.2 got 1` is `main.0[1]{a}/gen`'s; the outcome is main's. */
function coroutineOf(line: string): string {
  const at = line.split(' ')[0];
  if (at === 'resolved' || at === 'rejected') return 'main';
  return line.includes(' start') && !line.includes(' got ') ? at : at.replace(/\.\d+(?:[[{][^/]*)?$/, '');
}

/** Each coroutine's own lines, in order. */
function byCoroutine(transcript: string[]): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const line of transcript) {
    const key = coroutineOf(line);
    lines.set(key, [...(lines.get(key) ?? []), line]);
  }
  return lines;
}

/**
 * Equal as co defines them: each coroutine's steps in the same order with the same values (how two
 * coroutines running at once interleave is promise-chain depth in co, and loop iterations here), and the
 * same failures but for failure races (see isFailureRace). True if identical line for line, races aside.
 */
function compareTranscripts(actual: string[], expected: string[]): 'identical' | 'interleaved' | 'raced' {
  const shown = `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`;
  const ours = byCoroutine(actual);
  const theirs = byCoroutine(expected);
  expect([...ours.keys()].sort(), shown).to.deep.equal([...theirs.keys()].sort());
  let raced = false;
  for (const [key, lines] of theirs) {
    const got = ours.get(key)!;
    expect(got.length, shown).to.equal(lines.length);
    for (let i = 0; i < lines.length; i++) {
      if (got[i] === lines[i]) continue;
      expect(isFailureRace(lines[i], got[i]), `${key}, line ${i}: ${shown}`).to.equal(true);
      raced = true;
    }
  }
  if (raced) return 'raced';
  return actual.every((line, i) => line === expected[i]) ? 'identical' : 'interleaved';
}

describe('whirlwind/co against the real co 4 (differential)', () => {
  useFreshLoop();

  it(`settles ${RUNS} random programs as co does, with the same side effects in the same order`, async () => {
    const counts = { identical: 0, interleaved: 0, raced: 0 };
    await fc.assert(
      fc.asyncProperty(program, async (body) => {
        const expected = await transcript(realCo, body);
        const actual = await transcript(whirlwindCo as never, body);
        counts[compareTranscripts(actual, expected)]++;
      }),
      { numRuns: RUNS },
    );
    // Most programs must match line for line: the allowances are for the few where siblings run on at once.
    expect(counts.identical, JSON.stringify(counts)).to.be.greaterThan((counts.raced + counts.interleaved) * 4);
  });
});
