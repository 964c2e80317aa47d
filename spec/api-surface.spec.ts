/**
 * The public surface of /work/shared/API.md, imported exactly as a user does:
 * through the package's own entry points (`whirlwind`, `whirlwind/gen`, ...),
 * which Node and tsc resolve by self-reference through package.json
 * `exports`. Every name API.md lists is pinned here (it exists, has the right
 * kind, errors are named Errors), as are the semantics API.md states for every
 * API at once, such as how each one reads a `Timeout` argument. The behaviour
 * of each module in depth lives in its own spec.
 *
 * The surface is sealed: each entry point exports exactly the names listed
 * here (API.md's, the accepted extensions, and the types their signatures
 * use), at run time and in its declarations, so an internal helper cannot
 * leak into the package by being exported from a module.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import * as whirlwind from 'whirlwind';
import { gen } from 'whirlwind';
import * as concurrentModule from 'whirlwind/concurrent';
import { CancelledError, Future, InvalidStateError } from 'whirlwind/concurrent';
import * as genModule from 'whirlwind/gen';
import { coroutine, Return, TimeoutError, WaitIterator, withTimeout } from 'whirlwind/gen';
import * as httpclientModule from 'whirlwind/httpclient';
import { HTTPClientError } from 'whirlwind/httpclient';
import * as ioloopModule from 'whirlwind/ioloop';
import { IOLoop, PeriodicCallback, type Timeout } from 'whirlwind/ioloop';
import * as locksModule from 'whirlwind/locks';
import { BoundedSemaphore, Condition, Event, Lock, Semaphore } from 'whirlwind/locks';
import * as logModule from 'whirlwind/log';
import { appLog, genLog, Logger } from 'whirlwind/log';
import * as queuesModule from 'whirlwind/queues';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull } from 'whirlwind/queues';
import * as testingModule from 'whirlwind/testing';
import { ExpectLog } from 'whirlwind/testing';
import * as traceModule from 'whirlwind/trace';
import * as coModule from 'whirlwind/co';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { declaredExports } from './support/declarations.js';
import { iterations, useFreshLoop } from './support/index.js';

type Kind = 'class' | 'error class' | 'function' | 'value';

/**
 * Per entry point: what API.md lists (`names`) and what kind of thing each
 * is; the other public values (`extensions`: API.md's "Beyond Tornado" and
 * the helpers documented with them); and the type-only names (`types`).
 * Together they are everything the entry point exports.
 */
const entryPoints: Record<
  string,
  { module: Record<string, unknown>; names: Record<string, Kind>; extensions: Record<string, Kind>; types: string[] }
> = {
  'whirlwind/concurrent': {
    module: concurrentModule,
    names: {
      Future: 'class',
      InvalidStateError: 'error class',
      CancelledError: 'error class',
      isFuture: 'function',
      chainFuture: 'function',
      futureSetResultUnlessCancelled: 'function',
      futureSetExceptionUnlessCancelled: 'function',
      futureAddDoneCallback: 'function',
      runOnExecutor: 'function',
      ThreadPoolExecutor: 'class',
    },
    extensions: { workerFunction: 'function', WorkerCrashedError: 'error class', returnFuture: 'function' },
    types: ['Executor', 'FutureReturning', 'RunOnExecutorOptions', 'ShutdownOptions'],
  },
  'whirlwind/gen': {
    module: genModule,
    names: {
      coroutine: 'function',
      Return: 'class',
      multi: 'function',
      multiFuture: 'function',
      withTimeout: 'function',
      sleep: 'function',
      moment: 'value',
      WaitIterator: 'class',
      convertYielded: 'function',
      registerYieldable: 'function',
      maybeFuture: 'function',
      isCoroutineFunction: 'function',
      BadYieldError: 'error class',
      TimeoutError: 'error class',
      ReturnValueIgnoredError: 'error class',
      Task: 'function',
      take: 'function',
    },
    extensions: {
      coroutineKind: 'function',
      isMoment: 'function',
      futureFromCallback: 'function',
      callbackify: 'function',
      once: 'function',
      events: 'function',
      futureFromSignal: 'function',
      signalFromFuture: 'function',
      addSignalHandler: 'function',
    },
    types: [
      'CollapsedValues',
      'CoroutineKind',
      'CoroutineResult',
      'EmitterLike',
      'EventTargetLike',
      'EventsOptions',
      'MultiOptions',
      'NodeCallback',
      'OnceOptions',
      'OutcomeOf',
      'OverflowPolicy',
      'QuietExceptions',
      'WithTimeoutOptions',
      'YieldResult',
      'YieldRule',
      'Yieldable',
    ],
  },
  'whirlwind/ioloop': {
    module: ioloopModule,
    names: { IOLoop: 'class', PeriodicCallback: 'class' },
    extensions: { TimeoutHandle: 'class' },
    types: ['RunSyncResult', 'Timeout'],
  },
  'whirlwind/locks': {
    module: locksModule,
    names: { Condition: 'class', Event: 'class', Semaphore: 'class', BoundedSemaphore: 'class', Lock: 'class' },
    extensions: { Releaser: 'class' },
    types: ['Timeout'],
  },
  'whirlwind/queues': {
    module: queuesModule,
    names: {
      Queue: 'class',
      PriorityQueue: 'class',
      LifoQueue: 'class',
      QueueEmpty: 'error class',
      QueueFull: 'error class',
    },
    extensions: {},
    types: ['ItemStore', 'Timeout'],
  },
  'whirlwind/httpclient': {
    module: httpclientModule,
    names: {
      HTTPRequest: 'class',
      HTTPResponse: 'class',
      HTTPClientError: 'error class',
      AsyncHTTPClient: 'class',
      HTTPClient: 'class',
    },
    extensions: {},
    types: ['AsyncHTTPClientOptions', 'FetchOptions', 'HTTPRequestOptions', 'IncomingHttpHeaders'],
  },
  'whirlwind/testing': {
    module: testingModule,
    names: { genTest: 'function', ExpectLog: 'class' },
    extensions: { getAsyncTestTimeout: 'function' },
    types: ['ExpectLogOptions', 'GenTestOptions', 'TestContext'],
  },
  'whirlwind/log': {
    module: logModule,
    names: { appLog: 'value', genLog: 'value' },
    extensions: { Logger: 'class', LogLevel: 'value', formatRecord: 'function', stderrHandler: 'function' },
    types: ['LogFilter', 'LogHandler', 'LogRecord'],
  },
  'whirlwind/trace': {
    module: traceModule,
    names: {},
    extensions: {
      recordTrace: 'function',
      setAsyncStackTraces: 'function',
      asyncStackTracesEnabled: 'function',
      Trace: 'class',
      TraceRecorder: 'class',
    },
    types: ['ChromeTraceEvent', 'TraceEvent', 'TraceEventKind', 'TraceSpan'],
  },
};

/** The namespaces API.md puts on the root entry point, with the module each one must be. */
const namespaces: Record<string, Record<string, unknown>> = {
  gen: genModule,
  concurrent: concurrentModule,
  ioloop: ioloopModule,
  locks: locksModule,
  queues: queuesModule,
  httpclient: httpclientModule,
  testing: testingModule,
  log: logModule,
  trace: traceModule,
};

/** The compiled declarations of an entry point (`whirlwind/gen` → dist/lib/gen.d.ts). */
function declarationsOf(specifier: string): string {
  const file = specifier === 'whirlwind' ? 'index' : specifier.slice('whirlwind/'.length);
  return fileURLToPath(new URL(`../lib/${file}.d.ts`, import.meta.url));
}

const sorted = (names: Iterable<string>) => [...names].sort();

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

function kindOf(value: unknown): Kind {
  if (isClass(value)) return (value as { prototype: unknown }).prototype instanceof Error ? 'error class' : 'class';
  return typeof value === 'function' ? 'function' : 'value';
}

describe('the package entry points', () => {
  it("resolve to this package's compiled lib through package.json exports", () => {
    const here = import.meta.url;
    expect(import.meta.resolve('whirlwind')).to.equal(new URL('../lib/index.js', here).href);
    for (const specifier of Object.keys(entryPoints)) {
      const file = specifier.slice('whirlwind/'.length);
      expect(import.meta.resolve(specifier), specifier).to.equal(new URL(`../lib/${file}.js`, here).href);
    }
  });

  for (const [specifier, { module, names, extensions, types }] of Object.entries(entryPoints)) {
    it(`export every name API.md lists from '${specifier}', each of the right kind`, () => {
      const kinds = Object.fromEntries(
        Object.keys(names).map((name) => [name, name in module ? kindOf(module[name]) : 'missing']),
      );
      expect(kinds).to.deep.equal(names);
    });

    it(`export exactly the listed values from '${specifier}', extensions of the right kind, and nothing else`, () => {
      const kinds = Object.fromEntries(
        Object.keys(extensions).map((name) => [name, name in module ? kindOf(module[name]) : 'missing']),
      );
      expect(kinds).to.deep.equal(extensions);
      expect(sorted(Object.keys(module))).to.deep.equal(sorted([...Object.keys(names), ...Object.keys(extensions)]));
    });

    it(`declare exactly the listed names, values and types, in the declarations of '${specifier}'`, () => {
      const listed = [...Object.keys(names), ...Object.keys(extensions), ...types];
      expect(declaredExports(declarationsOf(specifier))).to.deep.equal(sorted(listed));
    });

    it(`re-export everything in '${specifier}' from 'whirlwind' as the very same objects`, () => {
      const root = whirlwind as Record<string, unknown>;
      const differing = Object.keys(module).filter((name) => root[name] !== module[name]);
      expect(differing).to.deep.equal([]);
    });
  }

  it("export from 'whirlwind' exactly the namespaces and the names of every entry point, at run time and in its declarations", () => {
    const values = Object.values(entryPoints).flatMap(({ names, extensions }) => [
      ...Object.keys(names),
      ...Object.keys(extensions),
    ]);
    const types = Object.values(entryPoints).flatMap(({ types }) => types);
    expect(sorted(Object.keys(whirlwind))).to.deep.equal(sorted(new Set([...values, ...Object.keys(namespaces)])));
    expect(declaredExports(declarationsOf('whirlwind'))).to.deep.equal(
      sorted(new Set([...values, ...types, ...Object.keys(namespaces)])),
    );
  });

  it("export from 'whirlwind/co' exactly co, as its default export too, and its types; none of it from 'whirlwind'", () => {
    // A drop-in for another library rather than part of Tornado's API: reached only through its own subpath.
    expect(sorted(Object.keys(coModule))).to.deep.equal(['co', 'default']);
    expect(coModule.default).to.equal(coModule.co);
    expect(kindOf(coModule.co)).to.equal('function');
    expect(declaredExports(declarationsOf('whirlwind/co'))).to.deep.equal(
      sorted(['Co', 'CoResult', 'CoWrapped', 'co', 'default']),
    );
    expect(Object.keys(whirlwind)).to.not.include('co');
  });

  it('document every entry point package.json exports in the API docs (tools/api-docs/typedoc.json)', () => {
    const root = new URL('../../', import.meta.url);
    const exports = Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).exports as object);
    const exported = exports.filter((subpath) => !subpath.endsWith('.json'));
    const files = exported.map((subpath) => `../../lib/${subpath === '.' ? 'index' : subpath.slice(2)}.ts`);
    const typedoc = JSON.parse(readFileSync(new URL('tools/api-docs/typedoc.json', root), 'utf8')) as {
      entryPoints: string[];
    };
    expect(sorted(typedoc.entryPoints)).to.deep.equal(sorted(files));
  });

  it("ship no declaration marked @internal (stripInternal keeps them out of the package's types)", () => {
    const lib = fileURLToPath(new URL('../lib/', import.meta.url));
    const files = readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));
    expect(files.length).to.be.greaterThan(10);
    const marked = files.filter((file) => readFileSync(`${lib}${file}`, 'utf8').includes('@internal'));
    expect(marked).to.deep.equal([]);
  });

  it("put the namespaces gen, concurrent, ioloop, locks, queues, httpclient and testing on 'whirlwind'", () => {
    const root = whirlwind as Record<string, unknown>;
    for (const [name, module] of Object.entries(namespaces)) {
      expect(root[name], name).to.equal(module);
    }
  });

  it("make gen.coroutine and gen.Return the same objects as coroutine and Return from 'whirlwind/gen'", () => {
    expect(gen.coroutine).to.equal(coroutine);
    expect(gen.Return).to.equal(Return);
  });

  it("run a coroutine written against the 'whirlwind' namespace, returning through gen.Return", async () => {
    const double = gen.coroutine(function* (n: number) {
      const doubled: number = yield Promise.resolve(n * 2);
      throw new gen.Return(doubled);
    });
    expect(await double(21)).to.equal(42);
  });
});

describe('the error classes', () => {
  const samples: Array<[string, () => Error]> = [
    ['InvalidStateError', () => new InvalidStateError('x')],
    ['CancelledError', () => new CancelledError()],
    ['BadYieldError', () => new genModule.BadYieldError('x')],
    ['TimeoutError', () => new TimeoutError()],
    ['ReturnValueIgnoredError', () => new genModule.ReturnValueIgnoredError('x')],
    ['QueueEmpty', () => new QueueEmpty('x')],
    ['QueueFull', () => new QueueFull('x')],
    ['HTTPClientError', () => new HTTPClientError(599, 'Stream closed')],
  ];

  for (const [name, make] of samples) {
    it(`makes ${name} an Error whose name is '${name}'`, () => {
      const error = make();
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal(name);
      expect(error.constructor.name).to.equal(name);
      expect(String(error)).to.match(new RegExp(`^${name}`));
    });
  }

  it('names the errors the library throws after their class', () => {
    expect(() => new Future().result())
      .to.throw(InvalidStateError)
      .with.property('name', 'InvalidStateError');
    expect(() => new Queue().getNowait())
      .to.throw(QueueEmpty)
      .with.property('name', 'QueueEmpty');
  });

  it('gives HTTPClientError a code, a message and an optional response', () => {
    const notFound = new HTTPClientError(404);
    expect([notFound.code, notFound.message, notFound.response]).to.deep.equal([404, 'HTTP 404: Not Found', undefined]);
    const timedOut = new HTTPClientError(599, 'Timeout during request');
    expect([timedOut.code, timedOut.message]).to.deep.equal([599, 'Timeout during request']);
  });
});

/** The method names `Class.prototype` must have as functions; returns the missing ones. */
function missingMethods(cls: { prototype: object }, methods: Array<string | symbol>): Array<string | symbol> {
  return methods.filter((method) => typeof (cls.prototype as Record<string | symbol, unknown>)[method] !== 'function');
}

describe("the classes' members", () => {
  useFreshLoop();

  it('gives Future the methods API.md lists, and makes it a thenable and a single-shot iterable', () => {
    expect(
      missingMethods(Future, [
        'done',
        'cancelled',
        'result',
        'exception',
        'setResult',
        'setException',
        'cancel',
        'addDoneCallback',
        'removeDoneCallback',
        'then',
        Symbol.iterator,
      ]),
    ).to.deep.equal([]);
  });

  it('makes Future.then() return a native Promise, so `await future` works in async code', async () => {
    const future = new Future<number>();
    const chained = future.then((n) => n + 1);
    expect(chained).to.be.instanceOf(Promise);
    future.setResult(41);
    expect(await chained).to.equal(42);
  });

  it('gives Return the value it was constructed with, undefined by default', () => {
    expect([new Return(7).value, new Return().value]).to.deep.equal([7, undefined]);
  });

  it('gives IOLoop the static current() and the methods API.md lists', () => {
    expect(IOLoop.current).to.be.a('function');
    expect(
      missingMethods(IOLoop, [
        'makeCurrent',
        'clearCurrent',
        'close',
        'time',
        'addCallback',
        'spawnCallback',
        'callLater',
        'callAt',
        'addTimeout',
        'removeTimeout',
        'addFuture',
        'runSync',
        'runInExecutor',
      ]),
    ).to.deep.equal([]);
  });

  it('constructs PeriodicCallback from (cb, callbackTimeMs) with jitter 0, and starts and stops it', () => {
    const periodic = new PeriodicCallback(() => undefined, 250);
    expect([periodic.callbackTime, periodic.jitter]).to.deep.equal([250, 0]);
    expect(new PeriodicCallback(() => undefined, 250, 0.1).jitter).to.equal(0.1);
    const running = [periodic.isRunning()];
    periodic.start();
    running.push(periodic.isRunning());
    periodic.stop();
    running.push(periodic.isRunning());
    expect(running).to.deep.equal([false, true, false]);
  });

  it('gives WaitIterator done(), next(), currentIndex, currentFuture and for-await', async () => {
    const first = new Future<string>();
    const waiter = new WaitIterator(first);
    expect([waiter.done(), waiter.currentIndex, waiter.currentFuture]).to.deep.equal([false, null, null]);
    expect(waiter[Symbol.asyncIterator]).to.be.a('function');
    const next = waiter.next();
    expect(next).to.be.instanceOf(Future);
    first.setResult('a');
    expect(await next).to.equal('a');
    expect([waiter.currentIndex, waiter.currentFuture]).to.deep.equal([0, first]);
    expect(waiter.done()).to.equal(true);
  });

  it('gives the locks the methods API.md lists', () => {
    expect(missingMethods(Condition, ['wait', 'notify', 'notifyAll'])).to.deep.equal([]);
    expect(missingMethods(Event, ['isSet', 'set', 'clear', 'wait'])).to.deep.equal([]);
    expect(missingMethods(Semaphore, ['acquire', 'release'])).to.deep.equal([]);
    expect(missingMethods(Lock, ['acquire', 'release'])).to.deep.equal([]);
    expect(BoundedSemaphore.prototype).to.be.instanceOf(Semaphore);
  });

  it('defaults Semaphore to a value of 1, so a second acquire() waits', () => {
    const semaphore = new Semaphore();
    expect([semaphore.acquire().done(), semaphore.acquire().done()]).to.deep.equal([true, false]);
  });

  it('resolves acquire() to a releaser with release() and Symbol.dispose', () => {
    const releaser = new Lock().acquire().result();
    expect(releaser.release).to.be.a('function');
    expect(releaser[Symbol.dispose]).to.be.a('function');
  });

  it('gives Queue, PriorityQueue and LifoQueue the members API.md lists', () => {
    const methods = [
      'put',
      'putNowait',
      'get',
      'getNowait',
      'taskDone',
      'join',
      'qsize',
      'empty',
      'full',
      Symbol.asyncIterator,
    ];
    expect(missingMethods(Queue, methods)).to.deep.equal([]);
    expect(PriorityQueue.prototype).to.be.instanceOf(Queue);
    expect(LifoQueue.prototype).to.be.instanceOf(Queue);
    expect([new Queue().maxsize, new Queue(3).maxsize]).to.deep.equal([0, 3]);
  });

  it('gives HTTPResponse the fields API.md lists, with an HTTPClientError carrying it for a non-2xx code', () => {
    const request = new httpclientModule.HTTPRequest('http://example.com/missing');
    const response = new httpclientModule.HTTPResponse(request, 404);
    expect(response).to.include({
      request,
      code: 404,
      reason: 'Not Found',
      effectiveUrl: 'http://example.com/missing',
    });
    expect([Buffer.isBuffer(response.body), typeof response.headers, typeof response.requestTime]).to.deep.equal([
      true,
      'object',
      'number',
    ]);
    expect(response.error).to.be.instanceOf(HTTPClientError).and.include({ code: 404, response });
    expect(() => response.rethrow()).to.throw(HTTPClientError, 'HTTP 404: Not Found');
    const ok = new httpclientModule.HTTPResponse(request, 200);
    expect(ok.error).to.equal(null);
    expect(() => ok.rethrow()).to.not.throw();
  });

  it('gives the HTTP clients fetch() and close()', () => {
    expect(missingMethods(httpclientModule.AsyncHTTPClient, ['fetch', 'close'])).to.deep.equal([]);
    expect(missingMethods(httpclientModule.HTTPClient, ['fetch', 'close'])).to.deep.equal([]);
    expect(missingMethods(httpclientModule.HTTPResponse, ['rethrow'])).to.deep.equal([]);
  });

  it('gives ExpectLog use(), begin() and end()', () => {
    expect(missingMethods(ExpectLog, ['use', 'begin', 'end'])).to.deep.equal([]);
  });

  it('makes appLog and genLog Loggers with a level and handlers', () => {
    expect(appLog).to.be.instanceOf(Logger);
    expect(genLog).to.be.instanceOf(Logger);
    expect(appLog).to.not.equal(genLog);
    expect(appLog.level).to.be.a('number');
    expect(missingMethods(Logger, ['addHandler', 'removeHandler', 'setLevel'])).to.deep.equal([]);
  });
});

/**
 * Every API that takes a `Timeout`, started with one, and how to tell that it
 * expired (most reject with gen.TimeoutError; Condition.wait resolves false;
 * addTimeout runs its callback).
 */
const timeoutTakers: Record<string, (timeout: Timeout) => () => boolean> = {
  withTimeout: (timeout) => failedWithTimeout(withTimeout(timeout, new Future())),
  'IOLoop.addTimeout': (timeout) => {
    let fired = false;
    IOLoop.current().addTimeout(timeout, () => {
      fired = true;
    });
    return () => fired;
  },
  'Condition.wait': (timeout) => {
    const wait = new Condition().wait(timeout);
    return () => wait.done() && wait.result() === false;
  },
  'Event.wait': (timeout) => failedWithTimeout(new Event().wait(timeout)),
  'Semaphore.acquire': (timeout) => failedWithTimeout(new Semaphore(0).acquire(timeout)),
  'Lock.acquire': (timeout) => {
    const lock = new Lock();
    lock.acquire();
    return failedWithTimeout(lock.acquire(timeout));
  },
  'Queue.put': (timeout) => {
    const queue = new Queue<number>(1);
    queue.putNowait(0);
    return failedWithTimeout(queue.put(1, timeout));
  },
  'Queue.get': (timeout) => failedWithTimeout(new Queue().get(timeout)),
  'Queue.join': (timeout) => {
    const queue = new Queue<number>();
    queue.putNowait(0);
    return failedWithTimeout(queue.join(timeout));
  },
};

function failedWithTimeout(future: Future<unknown>): () => boolean {
  return () => future.done() && future.exception() instanceof TimeoutError;
}

describe('the Timeout argument of every API that takes one', () => {
  const loop = useFreshLoop();
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => clock.restore());

  /** Moves the fake clock by `ms`, then lets the loop run what the timers queued and their done callbacks. */
  async function advance(ms: number): Promise<void> {
    await clock.tickAsync(ms);
    await iterations(2);
  }

  for (const [api, start] of Object.entries(timeoutTakers)) {
    describe(api, () => {
      it('reads a number as an absolute deadline on IOLoop.time()', async () => {
        await advance(5000);
        const expired = start(loop().time() + 10);
        await advance(9999);
        expect(expired()).to.equal(false);
        await advance(1);
        expect(expired()).to.equal(true);
      });

      it('reads { seconds, milliseconds } as a duration from now', async () => {
        await advance(5000);
        const expired = start({ seconds: 1, milliseconds: 500 });
        await advance(1499);
        expect(expired()).to.equal(false);
        await advance(1);
        expect(expired()).to.equal(true);
      });

      it('expires a timeout of 0 or { seconds: 0 } on a later iteration, never synchronously and never "forever"', async () => {
        const expired = [start(0), start({ seconds: 0 })];
        expect(expired.map((e) => e())).to.deep.equal([false, false]);
        await advance(0);
        expect(expired.map((e) => e())).to.deep.equal([true, true]);
      });

      for (const [bad, shown] of [
        ['soon', "'soon'"],
        [null, 'null'],
        [NaN, 'NaN'],
        [{ minutes: 1 }, '{ minutes: 1 }'],
      ] as const) {
        it(`rejects ${shown} with a TypeError naming ${api} and the value`, () => {
          expect(() => start(bad as never))
            .to.throw(TypeError)
            .with.property('message')
            .that.satisfies((message: string) => message.startsWith(`${api.replace(/^IOLoop\./, '')}: `))
            .and.contains(shown);
        });
      }
    });
  }
});

describe('locks and queues as API.md describes them', () => {
  useFreshLoop();

  /**
   * A waiter and the call that wakes it. API.md: waiters are resolved
   * synchronously inside the waking call, and resume on a later iteration.
   */
  const wakers: Record<string, () => { waiter: Future<unknown>; wake: () => void }> = {
    'Semaphore.release() wakes acquire()': () => {
      const semaphore = new Semaphore(0);
      return { waiter: semaphore.acquire(), wake: () => semaphore.release() };
    },
    'Lock.release() wakes acquire()': () => {
      const lock = new Lock();
      lock.acquire();
      return { waiter: lock.acquire(), wake: () => lock.release() };
    },
    'Queue.getNowait() wakes put()': () => {
      const queue = new Queue<number>(1);
      queue.putNowait(1);
      return { waiter: queue.put(2), wake: () => queue.getNowait() };
    },
    'Queue.taskDone() wakes join()': () => {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.getNowait();
      return { waiter: queue.join(), wake: () => queue.taskDone() };
    },
  };

  for (const [label, setUp] of Object.entries(wakers)) {
    it(`resolves the waiter synchronously but runs its callbacks on a later iteration: ${label}`, async () => {
      const { waiter, wake } = setUp();
      const seen: string[] = [];
      waiter.addDoneCallback(() => seen.push('callback'));
      wake();
      seen.push(`done: ${waiter.done()}`);
      await iterations(1);
      expect(seen).to.deep.equal(['done: true', 'callback']);
    });
  }

  for (const [label, make] of [
    ['a Lock', () => new Lock()],
    ['a Semaphore', () => new Semaphore()],
    ['a BoundedSemaphore', () => new BoundedSemaphore()],
  ] as const) {
    it(`fails a coroutine that yields ${label} itself with BadYieldError naming it`, async () => {
      const primitive = make();
      const body = coroutine(function* () {
        yield primitive;
      });
      const failure = await body().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).to.be.instanceOf(genModule.BadYieldError);
      expect((failure as Error).message).to.contain(String(primitive));
    });
  }
});

describe('the APIs API.md types as returning a Future', () => {
  useFreshLoop();

  const producers: Record<string, () => unknown> = {
    'coroutine(fn)()': () => coroutine(function* () {})(),
    'coroutine(plain fn)()': () => coroutine(() => 1)(),
    sleep: () => genModule.sleep(0),
    withTimeout: () => withTimeout({ seconds: 1 }, Promise.resolve(1)),
    multi: () => genModule.multi([Promise.resolve(1)]),
    multiFuture: () => genModule.multiFuture({ a: Promise.resolve(1) }),
    convertYielded: () => genModule.convertYielded(Promise.resolve(1)),
    maybeFuture: () => genModule.maybeFuture(1),
    take: () => genModule.take(Promise.resolve(1)),
    Task: () => genModule.Task((callback: (error: unknown, value?: number) => void) => callback(null, 1)),
    'WaitIterator.next': () => new WaitIterator(Promise.resolve(1)).next(),
    'IOLoop.runInExecutor': () =>
      IOLoop.current().runInExecutor({ submit: (fn: () => number) => Promise.resolve(fn()) }, () => 1),
    'Condition.wait': () => new Condition().wait({ seconds: 0 }),
    'Event.wait': () => new Event().wait({ seconds: 0 }),
    'Semaphore.acquire': () => new Semaphore().acquire(),
    'Lock.acquire': () => new Lock().acquire(),
    'Queue.put': () => new Queue().put(1),
    'Queue.get': () => new Queue().get({ seconds: 0 }),
    'Queue.join': () => new Queue().join(),
  };

  for (const [api, produce] of Object.entries(producers)) {
    it(`returns a Future from ${api}`, async () => {
      const outcome = produce();
      expect(outcome).to.be.instanceOf(Future);
      await Promise.resolve(outcome).catch(() => undefined);
    });
  }

  it('returns a native Promise from IOLoop.runSync', async () => {
    const outcome = IOLoop.current().runSync(() => undefined);
    expect(outcome).to.be.instanceOf(Promise);
    expect(await outcome).to.equal(undefined);
  });
});
