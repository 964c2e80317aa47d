/**
 * API fuzz: every public entry point (found from package.json `exports`,
 * see spec/support/entry-points.ts) is called with a hostile value in each
 * declared parameter position, the other positions holding plausible values
 * chosen from the declared parameter types. Each call must either return
 * normally or fail with a named error (a TypeError/RangeError whose message
 * is ours, not the engine's "Cannot read properties of null", or one of
 * whirlwind's error classes); a returned Future or Promise that fails within
 * a few loop iterations is judged the same way. Nothing may escape as an
 * unhandled rejection, and afterwards the loop still runs callbacks and
 * wakes coroutines.
 *
 * A hostile getter's or trap's own exception (HostileError) passing through
 * is accepted: it is the caller's exception, and hiding it would be worse.
 *
 * Excluded, because the call itself has a side effect the fuzz must not
 * multiply (everything else is called):
 * - ThreadPoolExecutor#submit with a valid function: each call would start a
 *   worker thread; only the function position is fuzzed.
 * - Node's own argument errors for values handed to Node unchanged would be
 *   named by Node, not by us: none are expected, and any would be reported.
 * Work that would wait on a network uses a closed local port (127.0.0.1:1).
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { EventEmitter } from 'node:events';
import { types } from 'node:util';
import { Future, isFuture } from '../../lib/concurrent.js';
import { HTTPRequest } from '../../lib/httpclient.js';
import { IOLoop } from '../../lib/ioloop.js';
import { appLog, genLog, Logger } from '../../lib/log.js';
import { setAsyncStackTraces, asyncStackTracesEnabled } from '../../lib/trace.js';
import { collectEntryPoints, type DeclaredParameter, type EntryPoint } from '../support/entry-points.js';
import { expectLoopStillWorks, HostileError, proxyThrowingOnGetPrototypeOf, revokedProxy } from '../support/hostile.js';
import { iterations } from '../support/index.js';

/** Objects whose every property read throws, as options objects with hostile getters do. */
function throwingGetters(): object {
  const getter = {
    get() {
      throw new HostileError('getter');
    },
    enumerable: true,
  };
  const keys = [
    'then',
    'timeout',
    'seconds',
    'milliseconds',
    'signal',
    'length',
    'name',
    'value',
    'callback',
    'quietExceptions',
    'maxsize',
    'method',
    'headers',
    'body',
    'url',
    'level',
    'message',
    'submit',
    'on',
    'once',
    'addEventListener',
    'removeListener',
    'off',
    'next',
    'maxBuffer',
    'overflow',
    'collapse',
    'error',
  ];
  return Object.defineProperties({}, Object.fromEntries(keys.map((key) => [key, getter])));
}

/** The hostile values, each made fresh for every call (a revoked Proxy cannot be un-revoked; a frozen object stays frozen). */
const HOSTILE_VALUES: Array<[string, () => unknown]> = [
  ['null', () => null],
  ['undefined', () => undefined],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['a Symbol', () => Symbol('fuzz')],
  ['a revoked Proxy', () => revokedProxy()],
  ['a revoked Proxy of a function', () => revokedProxy(() => {})],
  [
    'a Proxy whose every get throws',
    () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new HostileError('get trap');
          },
        },
      ),
  ],
  ['a Proxy whose getPrototypeOf throws', () => proxyThrowingOnGetPrototypeOf()],
  ['an object with throwing getters', throwingGetters],
  ['a frozen object', () => Object.freeze({})],
  ['a frozen array', () => Object.freeze([])],
];

/** Messages the engine (or Node) writes when our code touched a bad value without checking it first. */
const RAW_ENGINE_MESSAGE = new RegExp(
  [
    '^Cannot (read|set|convert|destructure|perform|create|mix|access|assign|redefine|define|add|delete)\\b',
    ' is not (a function|iterable|a constructor|defined|an object)',
    '^Class constructor',
    '^Invalid array length',
    '^Maximum call stack',
    '^Reduce of empty',
    ' has no properties',
    '^Object prototype may only',
    'called on incompatible',
    '^Function\\.prototype\\.\\w+ called on',
    '^Converting circular',
    "^Right-hand side of 'instanceof'",
    'could not be cloned',
    '^The "\\w+" argument',
    '^Invalid URL$',
    'on a proxy that has been revoked',
  ].join('|'),
);

/** Why `error` is not an acceptable way to refuse a bad argument, or null if it is. */
function complaintAbout(error: unknown): string | null {
  if (error instanceof HostileError) return null;
  if (!(error instanceof Error))
    return `threw a non-Error: ${String(typeof error === 'symbol' ? error.description : error)}`;
  if (RAW_ENGINE_MESSAGE.test(error.message)) return `an unexplained ${error.name}: ${error.message}`;
  return null;
}

function noop(): void {}

const pendingForever = () => new Future<unknown>();

/** A plausible value for a declared parameter, so that the hostile one in another position is what gets checked. */
function plausible(parameter: DeclaredParameter): unknown {
  if (parameter.optional) return undefined;
  const name = parameter.name.toLowerCase();
  // The first alternative of a union, without `readonly`, is what we imitate.
  const type = parameter.type
    .replace(/^readonly /, '')
    .split(' | ')[0]
    .trim();
  if (/Generator/.test(type)) return function* fuzzCoroutine() {};
  if (type.includes('=>') || /Callback|Handler|Filter|Function|\bfn\b/.test(type) || /^(fn|callback|func)$/.test(name))
    return noop;
  if (/url|request/.test(name) && /string|HTTPRequest/.test(type)) return 'http://127.0.0.1:1/fuzz';
  if (type === 'string') return 'fuzz';
  if (type === 'number') return 1;
  if (type === 'boolean') return false;
  if (/^(Future|PromiseLike|Yieldable|Promise)\b/.test(type) || /^(yieldable|future|child|children)$/.test(name)) {
    return pendingForever();
  }
  if (/^Timeout\b/.test(type)) return { seconds: 3600 };
  if (/^HTTPRequest\b/.test(type)) return new HTTPRequest('http://127.0.0.1:1/fuzz');
  if (/^Logger\b/.test(type)) return new Logger('fuzz');
  if (/^RegExp\b/.test(type)) return /fuzz/;
  if (/Emitter|EventTarget/.test(type)) return new EventEmitter();
  if (/Executor/.test(type)) return { submit: () => pendingForever() };
  if (type.endsWith('[]') || /^(Array|ReadonlyArray)</.test(type)) return [];
  if (/^(unknown|any|T|R|V|[A-Z])$/.test(type)) return 1;
  return {};
}

/** Objects made for one call whose cleanup matters: close loops, stop timers and recorders, shut pools. */
function dispose(instance: unknown): void {
  // IOLoop.current() hands back the fuzz's own loop, which must go on running.
  if (instance === null || typeof instance !== 'object' || instance === IOLoop.current()) return;
  try {
    // A Future the fuzz failed (Future#setException, or a plausible argument) is looked at, so it is not reported as never retrieved.
    if (isFuture(instance)) {
      if (instance.done() && !instance.cancelled()) instance.exception();
      return;
    }
    for (const method of ['stopQuietly', 'stop', 'shutdown', 'close']) {
      const fn = (instance as Record<string, unknown>)[method];
      if (typeof fn !== 'function') continue;
      const returned = fn.call(instance);
      if (types.isPromise(returned) || isFuture(returned)) (returned as PromiseLike<unknown>).then(noop, noop);
      return;
    }
  } catch {
    // already closed, never started, or a hostile value handed back: nothing to clean up
  }
}

/** Entry points that register something process-wide and return the function that takes it back. */
const RETURNS_AN_UNDO = new Set(['registerYieldable', 'addSignalHandler']);

/** Whether the fuzz only varies the first parameter of an entry point (see the exclusions above). */
function onlyFirstPosition(entry: EntryPoint): boolean {
  return entry.label.endsWith('ThreadPoolExecutor#submit');
}

interface Outcome {
  complaint: string | null;
}

/** Makes a fresh instance of a class for a method call; null if the plausible arguments do not construct one. */
function freshInstance(entry: EntryPoint): object | null {
  const declared = constructorParameters.get(entry.owner) ?? [];
  try {
    return new (entry.owner as new (...args: unknown[]) => object)(...declared.map(plausible));
  } catch {
    return null;
  }
}

const constructorParameters = new Map<unknown, DeclaredParameter[]>();

/** Calls `entry` with `args`; judges a throw, or a returned Future/Promise that fails within three iterations. */
async function callAndJudge(entry: EntryPoint, args: unknown[]): Promise<Outcome> {
  let instance: object | null = null;
  let returned: unknown;
  try {
    if (entry.kind === 'method') {
      instance = freshInstance(entry);
      if (instance === null) return { complaint: null };
    }
    switch (entry.kind) {
      case 'function':
        returned = (entry.owner as (...a: unknown[]) => unknown)(...args);
        break;
      case 'constructor':
        returned = new (entry.owner as new (...a: unknown[]) => unknown)(...args);
        instance = returned as object;
        break;
      default: {
        const target = entry.kind === 'method' ? instance : entry.owner;
        returned = (target as Record<string, (...a: unknown[]) => unknown>)[entry.member!](...args);
      }
    }
  } catch (error) {
    dispose(instance);
    for (const arg of args) dispose(arg);
    return { complaint: complaintAbout(error) };
  }
  let failure: unknown = null;
  let failed = false;
  if (isFuture(returned) || types.isPromise(returned)) {
    (returned as PromiseLike<unknown>).then(noop, (error: unknown) => {
      failed = true;
      failure = error;
    });
    await iterations(3);
  }
  // A registration the fuzz made must not outlive the call: the rest of the suite shares the registry.
  if (RETURNS_AN_UNDO.has(entry.label.split(' ').pop()!) && typeof returned === 'function') returned();
  if (returned !== instance) dispose(returned);
  dispose(instance);
  for (const arg of args) dispose(arg);
  return { complaint: failed ? complaintAbout(failure) : null };
}

const { entryPoints, undeclared } = await collectEntryPoints();
for (const entry of entryPoints) {
  if (entry.kind === 'constructor') constructorParameters.set(entry.owner, entry.parameters);
}

/** How many calls an entry point gets: each hostile value in each declared position (at least one). */
function positionsOf(entry: EntryPoint): number {
  return onlyFirstPosition(entry) ? 1 : Math.max(entry.parameters.length, 1);
}

const totalCalls = entryPoints.reduce((sum, entry) => sum + positionsOf(entry) * HOSTILE_VALUES.length, 0);

describe(`API fuzz: ${entryPoints.length} entry points, ${totalCalls} calls with hostile arguments`, function () {
  this.timeout(60_000);
  let loop: IOLoop;
  const escaped: unknown[] = [];
  const onEscape = (reason: unknown) => escaped.push(reason);
  let restoreLogs: Array<() => void> = [];
  let stderr: sinon.SinonStub | null = null;
  let stackTracesWereOn = false;

  // One loop for the whole fuzz: whatever a call does to it must not stop it working for the calls after.
  before(() => {
    loop = new IOLoop();
    loop.makeCurrent();
    stackTracesWereOn = asyncStackTracesEnabled();
    process.on('unhandledRejection', onEscape);
    stderr = sinon.stub(process.stderr, 'write').returns(true);
    restoreLogs = [appLog.replaceHandlers([]), genLog.replaceHandlers([])];
  });

  after(() => {
    process.off('unhandledRejection', onEscape);
    stderr?.restore();
    for (const restore of restoreLogs) restore();
    setAsyncStackTraces(stackTracesWereOn);
    loop.close();
  });

  it('finds every subpath of the package and the entry points each declares', () => {
    expect(undeclared, 'exports with no declaration to read parameters from').to.deep.equal([]);
    const labels = entryPoints.map((entry) => entry.label);
    for (const expected of [
      'whirlwind/gen sleep',
      'whirlwind/ioloop IOLoop#runSync',
      'whirlwind/queues new PriorityQueue',
      'whirlwind/concurrent Future#cancel',
      'whirlwind/gen once',
    ]) {
      expect(labels).to.include(expected);
    }
  });

  for (const entry of entryPoints) {
    it(`${entry.label} refuses hostile arguments by name or accepts them`, async () => {
      const complaints: string[] = [];
      for (let position = 0; position < positionsOf(entry); position++) {
        for (const [hostileName, makeHostile] of HOSTILE_VALUES) {
          const args = entry.parameters.map(plausible);
          if (args.length === 0) args.push(undefined);
          args[position] = makeHostile();
          const { complaint } = await callAndJudge(entry, args);
          if (complaint !== null) complaints.push(`argument ${position + 1} ${hostileName}: ${complaint}`);
          // A call may make another loop current (makeCurrent, runSync, clearCurrent): the next one starts on ours.
          loop.makeCurrent();
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(complaints).to.deep.equal([]);
      expect(escaped.splice(0), 'unhandled rejections').to.deep.equal([]);
    });
  }

  it('leaves the loop running callbacks and waking coroutines afterwards', async () => {
    await expectLoopStillWorks(loop);
  });
});
