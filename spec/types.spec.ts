/**
 * Type tests for typed yields and the public signatures, beside the
 * behaviour they describe.
 *
 * Two kinds of check, both enforced by `tsc` during `npm run build` (so a
 * regression fails `npm test` before mocha starts):
 * - `expectType<T>()(value)` compiles only if `value`'s type is exactly `T`
 *   (not merely assignable: `any` or a wider type fails it);
 * - each `// @ts-expect-error` line is a misuse the compiler must keep
 *   rejecting; if it ever compiles, tsc reports the unused directive.
 * The generators also run, so the types are pinned on code that works.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Future } from '../lib/concurrent.js';
import { IOLoop } from '../lib/ioloop.js';
import {
  coroutine,
  moment,
  multi,
  Return,
  sleep,
  take,
  withTimeout,
  TimeoutError,
  WaitIterator,
  convertYielded,
} from '../lib/gen.js';
import { genTest, ExpectLog } from '../lib/testing.js';
import { Condition, Event, Lock, type Releaser, Semaphore } from '../lib/locks.js';
import { PriorityQueue, Queue } from '../lib/queues.js';
import { AsyncHTTPClient, type HTTPResponse } from '../lib/httpclient.js';
import { resolved, resolvedLater, useFreshLoop } from './support/index.js';

/** True when A and B are the same type (the standard trick: it tells `any` and unions apart). */
type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * `expectType<Expected>()(value)`: compiles only if `value` is exactly
 * `Expected`. Curried so that `Expected` is written and the actual type is
 * inferred.
 */
function expectType<Expected>() {
  return <Actual>(
    _value: Actual,
    ..._mismatch: Equals<Actual, Expected> extends true ? [] : ['types differ']
  ): void => {};
}

describe('typed yields', () => {
  useFreshLoop();

  it("types yield* future as the future's result", async () => {
    const shout = coroutine(function* (word: Future<string>) {
      const text = yield* word;
      expectType<string>()(text);
      return text.toUpperCase();
    });
    expect(await shout(resolvedLater('hey'))).to.equal('HEY');
  });

  it("types yield* take(promise) as the promise's value", async () => {
    const next = coroutine(function* () {
      const n = yield* take(Promise.resolve(41));
      expectType<number>()(n);
      return n + 1;
    });
    expect(await next()).to.equal(42);
  });

  it('types yield* take([...]) as a tuple and take({...}) as an object of results', async () => {
    const both = coroutine(function* () {
      const [n, s] = yield* take([resolved(1), Promise.resolve('two')] as const);
      expectType<number>()(n);
      expectType<string>()(s);
      const { count, label } = yield* take({ count: resolvedLater(3), label: Promise.resolve('three') });
      expectType<number>()(count);
      expectType<string>()(label);
      return `${n} ${s} ${count} ${label}`;
    });
    expect(await both()).to.equal('1 two 3 three');
  });

  it('types take([a, b]) of an array literal as a tuple, as multi does, without `as const`', async () => {
    const pair = coroutine(function* () {
      const [n, s] = yield* take([resolved(1), Promise.resolve('two')]);
      expectType<number>()(n);
      expectType<string>()(s);
      expectType<Future<[number, string]>>()(take([resolved(1), Promise.resolve('two')]));
      expectType<Future<[number, string]>>()(multi([resolved(1), Promise.resolve('two')]));
      return `${n} ${s}`;
    });
    expect(await pair()).to.equal('1 two');
  });

  it('types convertYielded of a Future or Promise as a Future of its value', async () => {
    const fromPromise = convertYielded(Promise.resolve(1));
    expectType<Future<number>>()(fromPromise);
    expectType<Future<string>>()(convertYielded(resolved('a')));
    expectType<Future<unknown>>()(convertYielded([resolved(1)] as unknown));
    expect(await fromPromise).to.equal(1);
  });

  it('types yield* take(moment) and yield* sleep() as void', async () => {
    const pause = coroutine(function* () {
      const a = yield* take(moment);
      const b = yield* sleep(0);
      expectType<void>()(a);
      expectType<void>()(b);
      return 'rested';
    });
    expect(await pause()).to.equal('rested');
  });

  it("types yield* of another coroutine's call as its return type", async () => {
    const double = coroutine(function* (n: number) {
      yield moment;
      return n * 2;
    });
    const quadruple = coroutine(function* (n: number) {
      const twice = yield* double(n);
      expectType<number>()(twice);
      return yield* double(twice);
    });
    expect(await quadruple(5)).to.equal(20);
  });

  it('types withTimeout and multi by what they wrap', async () => {
    const timed = coroutine(function* () {
      const value = yield* withTimeout({ seconds: 5 }, Promise.resolve('fast'));
      expectType<string>()(value);
      const [a, b] = yield* multi([resolved(1), Promise.resolve(true)]);
      expectType<number>()(a);
      expectType<boolean>()(b);
      return [value, a, b] as const;
    });
    expect(await timed()).to.deep.equal(['fast', 1, true]);
  });

  it('keeps plain yield working, typed any, for Tornado-style code', async () => {
    const legacy = coroutine(function* () {
      const value = yield Promise.resolve('untyped!');
      expectType<any>()(value);
      throw new Return(value.length);
    });
    expectType<Future<any>>()(legacy());
    expect(await legacy()).to.equal(8);
  });
});

describe('typed yields on locks and queues', () => {
  useFreshLoop();

  it('types acquire() as a Releaser, Condition.wait as boolean and Event.wait as void', async () => {
    const lock = new Lock();
    const condition = new Condition();
    const event = new Event();
    event.set();
    const guarded = coroutine(function* () {
      const held = yield* lock.acquire();
      expectType<Releaser>()(held);
      held.release();
      using _slot = yield* new Semaphore(1).acquire();
      const notified = yield* condition.wait({ seconds: 0 });
      expectType<boolean>()(notified);
      const set = yield* event.wait();
      expectType<void>()(set);
      return notified;
    });
    expect(await guarded()).to.equal(false);
  });

  it("types get() by the queue's item type", async () => {
    const queue = new PriorityQueue<[number, string]>();
    queue.putNowait([2, 'low']);
    queue.putNowait([1, 'high']);
    const first = coroutine(function* () {
      const [priority, label] = yield* queue.get();
      expectType<number>()(priority);
      expectType<string>()(label);
      return label;
    });
    expect(await first()).to.equal('high');
  });
});

/** Compiled, never called: an HTTP fetch is typed through yield* with no network needed. */
export function typedFetch(url: string) {
  return coroutine(function* () {
    const response = yield* new AsyncHTTPClient().fetch(url);
    expectType<HTTPResponse>()(response);
    expectType<Buffer>()(response.body);
    return response.code;
  });
}

describe('coroutine signatures', () => {
  useFreshLoop();

  it('infers parameters from the generator and the Future from its return', async () => {
    const repeat = coroutine(function* (word: string, times: number) {
      yield moment;
      return word.repeat(times);
    });
    expectType<(word: string, times: number) => Future<string>>()(repeat);
    expect(await repeat('ab', 2)).to.equal('abab');
  });

  it('infers Future<Awaited<R>> for a plain or async function', async () => {
    const plain = coroutine((n: number) => n + 1);
    const native = coroutine(async (n: number) => String(n));
    expectType<Future<number>>()(plain(1));
    expectType<Future<string>>()(native(1));
    expect([await plain(1), await native(2)]).to.deep.equal([2, '2']);
  });

  it('types await on a Future and runSync by the result', async () => {
    const answer = coroutine(function* () {
      return 42;
    });
    const awaited = await answer();
    expectType<number>()(awaited);
    const viaLoop = IOLoop.current().runSync(() => answer());
    expectType<Promise<number>>()(viaLoop);
    expect(await viaLoop).to.equal(42);
  });

  it('types WaitIterator by the futures it is given', async () => {
    const iterator = new WaitIterator(resolved(1), resolved(2));
    const first = await iterator.next();
    expectType<number>()(first);
    expect(first).to.equal(1);
  });

  it('types WaitIterator over futures of different types by the union of their results', async () => {
    const mixed = new WaitIterator(resolved(1), Promise.resolve('two'));
    expectType<WaitIterator<number | string>>()(mixed);
    const keyed = new WaitIterator({ count: resolved(3), ready: Promise.resolve(true) });
    expectType<WaitIterator<number | boolean>>()(keyed);
    expectType<WaitIterator<number>>()(new WaitIterator<number>(resolved(1)));
    const seen: Array<number | string> = [];
    for await (const result of mixed) seen.push(result);
    expect(seen).to.deep.equal([1, 'two']);
    expect(mixed).to.be.instanceOf(WaitIterator);
    expect(mixed.constructor.name).to.equal('WaitIterator');
  });
});

describe('type errors a user sees', function () {
  this.timeout(60_000);

  it("name a Future's public members, not its private fields", () => {
    const message = typeErrorsOf(`
      import { Future } from ${JSON.stringify(new URL('../lib/concurrent.js', import.meta.url).pathname)};
      const wanted: Future<number> = Promise.resolve(1);
    `);
    expect(message).to.contain(
      "is missing the following properties from type 'Future<number>': done, cancelled, result, exception",
    );
    for (const name of ['listeners', 'unretrieved', 'promise', '_state', '_result', '_exception']) {
      expect(message).not.to.match(new RegExp(`\\b${name}\\b`));
    }
  });
});

/**
 * Misuses that tsc must reject. Compiled, never called: the checks are the
 * `@ts-expect-error` lines, enforced by the build.
 */
export function misusesThatTscRejects(): void {
  const fetchLength = coroutine(function* (url: string) {
    yield moment;
    return url.length;
  });

  // @ts-expect-error a number where the coroutine takes a string
  fetchLength(42);
  // @ts-expect-error a missing argument
  fetchLength();
  // @ts-expect-error the Future holds a number, not a string
  const wrongResult: Future<string> = fetchLength('x');

  coroutine(function* () {
    // @ts-expect-error take() of a Promise<number> is a number
    const s: string = yield* take(Promise.resolve(1));
    // @ts-expect-error yield* of another coroutine's Future is its return type
    const t: string = yield* fetchLength('x');
    // @ts-expect-error a Promise is not iterable: yield* needs take() around it
    const u = yield* Promise.resolve(1);
    // @ts-expect-error a number is not yieldable (at run time it would be a BadYieldError)
    const v = yield* take(42);
    return [s, t, u, v];
  });

  // @ts-expect-error convertYielded of a Promise<number> is a Future<number>
  const fromPromise: Future<string> = convertYielded(Promise.resolve(1));
  // @ts-expect-error a WaitIterator of a number and a string hands out number | string
  const onlyNumbers: WaitIterator<number> = new WaitIterator(resolved(1), resolved('a'));
  // @ts-expect-error take() of [Future<number>] is a one-number tuple
  const notAPair: Future<[number, number]> = take([resolved(1)]);

  // @ts-expect-error a string is not a Timeout (a deadline number or { seconds, milliseconds })
  withTimeout('1s', Promise.resolve(1));
  // @ts-expect-error a relative Timeout has seconds and milliseconds, nothing else
  withTimeout({ minutes: 1 }, Promise.resolve(1));
  // @ts-expect-error withTimeout wraps a yieldable, not a plain value
  withTimeout({ seconds: 1 }, 'done');
  // @ts-expect-error sleep takes seconds as a number
  sleep('1');

  const numbers = new Future<number>();
  // @ts-expect-error setResult takes the Future's type
  numbers.setResult('one');
  // @ts-expect-error a done callback receives Future<number>
  numbers.addDoneCallback((f: Future<string>) => f.result().length);

  const queue = new Queue<number>();
  // @ts-expect-error a Queue<number> takes numbers
  queue.put('seven');
  // @ts-expect-error a queue timeout is a Timeout, not a string
  queue.get('soon');
  // @ts-expect-error runSync's timeout is seconds (a number)
  IOLoop.current().runSync(() => sleep(1), { timeout: '5' });
  // @ts-expect-error ExpectLog needs a Logger
  new ExpectLog(console, /x/);

  // @ts-expect-error coroutine needs a function
  coroutine(42);

  // @ts-expect-error genTest's timeout is seconds (a number)
  genTest(function* () {}, { timeout: '5' });

  void wrongResult;
  void fromPromise;
  void onlyNumbers;
  void notAPair;
  void TimeoutError;
}

/**
 * What tsc says about `source` (a module) compiled against whirlwind's
 * published declarations (dist/lib/*.d.ts), with a user's strict settings.
 */
function typeErrorsOf(source: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'whirlwind-type-errors-'));
  try {
    writeFileSync(join(folder, 'user.ts'), source);
    const options = {
      strict: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      noEmit: true,
      types: [],
    };
    writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['user.ts'] }));
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const run = spawnSync(process.execPath, [tsc, '-p', folder], { encoding: 'utf8', timeout: 50_000 });
    return run.stdout + run.stderr;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
