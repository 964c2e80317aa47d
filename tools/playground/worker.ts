/**
 * The playground's Worker: runs a program (its coroutine version, then its
 * async/await version) on a fresh IOLoop with a simulated clock, and records
 * the loop after every iteration: each coroutine's state and the value last
 * sent in, the ready queue, the timers, what happened and what was printed.
 * The page replays that recording one iteration per Step.
 *
 * User code runs here, not in the page: a step budget (loop iterations, and
 * loop passes counted by guards the page inserts into every loop body) stops
 * a runaway program, and the page terminates this Worker as a last resort.
 */
import { afterMicrotasks, clock, resetClock, runNextVirtualTask } from './clock.js';
import * as concurrentModule from '../../dist/lib/concurrent.js';
import * as genModule from '../../dist/lib/gen.js';
import * as ioloopModule from '../../dist/lib/ioloop.js';
import * as locksModule from '../../dist/lib/locks.js';
import * as logModule from '../../dist/lib/log.js';
import * as queuesModule from '../../dist/lib/queues.js';
import { Future } from '../../dist/lib/concurrent.js';
import * as futureModule from '../../dist/lib/concurrent/future.js';
import { IOLoop, type TimeoutHandle } from '../../dist/lib/ioloop.js';
import { describeFunction, describeValue } from '../../dist/lib/internal/describe.js';
import { setTraceSink, type RunnerTraceSink } from '../../dist/lib/internal/trace-hook.js';
import { format } from '../../dist/lib/internal/portable-inspect.js';
import * as networkModule from './network.js';
import type {
  EventKind,
  Lane,
  LaneEvent,
  OutputLine,
  Recording,
  RunError,
  RunReply,
  RunRequest,
  Snapshot,
} from './protocol.js';

// Internals the recorder reads (declared @internal, so absent from the published types).
const { listenerCallback } = futureModule as unknown as { listenerCallback(listener: unknown): unknown };

interface TimerInternals {
  callback: Function | null;
  args: unknown[];
}

/** Thrown into user code once the step budget is spent; every later guard throws it again. */
class StepBudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepBudgetExceeded';
  }
}

interface LaneRecord extends Lane {
  waitingObject: unknown;
}

function describeForLane(value: unknown): string {
  if (value instanceof Future) return value.toString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  // A class of the program's own (or the simulated network's) with a toString of its own, as HTTPResponse.
  const prototype = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : null;
  if (
    prototype !== null &&
    prototype !== Object.prototype &&
    prototype !== Array.prototype &&
    Object.hasOwn(prototype, 'toString')
  ) {
    return String(value);
  }
  return describeValue(value);
}

/** Everything one run records. */
class Recorder implements RunnerTraceSink {
  readonly lanes = new Map<object, LaneRecord>();
  readonly snapshots: Snapshot[] = [];
  readonly errors: RunError[] = [];
  events: LaneEvent[] = [];
  output: OutputLine[] = [];
  phase: LaneEvent['phase'] = 'script';
  stopped: string | null = null;
  /** The line of the yield about to hand its value to the runner (set by the `at` hook). */
  pendingLine: number | null = null;
  running: LaneRecord | null = null;
  loopPasses = 0;

  constructor(
    readonly fileName: string,
    readonly loop: IOLoop,
    readonly lineOffset: number,
  ) {}

  started(key: object, name: string): void {
    const lane: LaneRecord = {
      id: this.lanes.size + 1,
      name: name || '<anonymous>',
      state: 'running',
      waitingOn: '',
      line: null,
      lastSent: '',
      outcome: '',
      waitingObject: undefined,
    };
    this.lanes.set(key, lane);
    this.running = lane;
    this.event(lane, 'start', '', null);
  }

  yielded(key: object, value: unknown, pending: boolean): void {
    const lane = this.laneOf(key);
    const line = this.pendingLine;
    this.pendingLine = null;
    lane.line = line;
    lane.waitingObject = value;
    lane.waitingOn = describeForLane(value);
    lane.state = pending ? 'waiting' : 'running';
    if (pending && this.running === lane) this.running = null;
    this.event(lane, 'yield', lane.waitingOn, line, pending);
  }

  resumed(key: object, isThrow: boolean, value: unknown): void {
    const lane = this.laneOf(key);
    lane.state = 'running';
    lane.lastSent = isThrow ? `throw ${describeForLane(value)}` : describeForLane(value);
    lane.waitingObject = undefined;
    this.running = lane;
    this.event(lane, isThrow ? 'throw' : 'resume', describeForLane(value), lane.line);
  }

  cancelRequested(key: object): void {
    this.event(this.laneOf(key), 'cancel', '', null);
  }

  finished(key: object, outcome: 'result' | 'exception' | 'cancelled', value: unknown): void {
    const lane = this.laneOf(key);
    lane.state = outcome === 'result' ? 'done' : outcome === 'exception' ? 'failed' : 'cancelled';
    lane.outcome = describeForLane(value);
    lane.waitingObject = undefined;
    lane.waitingOn = '';
    if (this.running === lane) this.running = null;
    this.event(lane, 'finish', `${outcome} ${lane.outcome}`, null);
    if (outcome === 'exception' && !(value instanceof StepBudgetExceeded)) {
      const thrownIn = this.lastEventOf(lane, 1)?.kind === 'throw';
      this.errors.push({
        message: describeForLane(value),
        step: this.snapshots.length,
        lane: lane.id,
        coroutine: lane.name,
        line: this.lineOf(value),
        yieldLine: thrownIn ? lane.line : null,
      });
    }
  }

  topLevelError(error: unknown): void {
    if (error instanceof StepBudgetExceeded) return;
    this.errors.push({
      message: describeForLane(error),
      step: this.snapshots.length,
      lane: null,
      coroutine: null,
      line: this.lineOf(error),
      yieldLine: null,
    });
  }

  print(stream: OutputLine['stream'], args: unknown[]): void {
    this.output.push({ text: format(...args), stream, time: clock.now * 1000 });
  }

  /** Counts one pass of a loop in user code; past the budget, stops the run. */
  guard(line: number, max: number): void {
    if (this.stopped === null && ++this.loopPasses <= max) return;
    if (this.stopped === null) {
      const where = this.running ? `coroutine #${this.running.id} ${this.running.name}` : 'the top-level script';
      this.stop(`${where} looped ${max.toLocaleString('en')} times at line ${line} without giving up control`);
    }
    throw new StepBudgetExceeded(this.stopped!);
  }

  stop(reason: string): void {
    if (this.stopped !== null) return;
    this.stopped = reason;
    this.loop.close();
  }

  snapshot(): void {
    const lanes = [...this.lanes.values()].map(({ waitingObject, ...lane }) => ({
      ...lane,
      state:
        lane.state === 'waiting' && waitingObject instanceof Future && waitingObject.done()
          ? ('ready' as const)
          : lane.state,
    }));
    this.snapshots.push({
      iteration: this.loop.iteration,
      time: clock.now * 1000,
      lanes,
      ready: this.describeReadyQueue(),
      timers: this.describeTimers(),
      events: this.events,
      output: this.output,
    });
    this.events = [];
    this.output = [];
  }

  recording(): Recording {
    if (this.events.length > 0 || this.output.length > 0 || this.snapshots.length === 0) this.snapshot();
    return { snapshots: this.snapshots, errors: this.errors, stopped: this.stopped };
  }

  /** The line in the user's source that an error's stack points at. */
  lineOf(error: unknown): number | null {
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    const match = new RegExp(`${this.fileName}:(\\d+):\\d+`).exec(stack);
    return match ? Number(match[1]) - this.lineOffset : null;
  }

  private laneOf(key: object): LaneRecord {
    const lane = this.lanes.get(key);
    if (lane !== undefined) return lane;
    this.started(key, describeForLane(key).replace(/^<Coroutine (\S+).*/, '$1'));
    return this.lanes.get(key)!;
  }

  private lastEventOf(lane: Lane, back: number): LaneEvent | undefined {
    const mine = this.events.filter((e) => e.lane === lane.id);
    return mine[mine.length - 1 - back] ?? undefined;
  }

  private event(lane: Lane, kind: EventKind, text: string, line: number | null, pending?: boolean): void {
    const event: LaneEvent = { lane: lane.id, kind, text, line, phase: this.phase };
    if (pending !== undefined) event.pending = pending;
    this.events.push(event);
  }

  private describeListener(listener: unknown): string {
    const lane = listener !== null && typeof listener === 'object' ? this.lanes.get(listener) : undefined;
    if (lane !== undefined) return `resume #${lane.id} ${lane.name}`;
    return `done callback ${describeFunction(listenerCallback(listener))}`;
  }

  // Reads the loop's own queue and heap (internal fields): the playground is
  // built with the core and its browser tests catch a rename.
  private describeReadyQueue(): string[] {
    const internals = this.loop as unknown as { readyQueue: unknown[]; readyLength: number };
    const described: string[] = [];
    for (let i = 0; i < internals.readyLength; i += 3) {
      const task = internals.readyQueue[i] as Function;
      const a = internals.readyQueue[i + 1];
      if (isReadyCallback(a)) described.push(`callback ${describeFunction(a.callback)}`);
      else if (Array.isArray(a)) described.push(...a.map((listener) => this.describeListener(listener)));
      else if (a !== null && (typeof a === 'object' || typeof a === 'function'))
        described.push(this.describeListener(a));
      else described.push(describeFunction(task));
    }
    return described;
  }

  private describeTimers(): { dueIn: number; what: string }[] {
    const internals = this.loop as unknown as { timerHeap: TimeoutHandle[] };
    return internals.timerHeap
      .filter((handle) => !handle.cancelled)
      .sort((a, b) => a.deadline - b.deadline || a.sequence - b.sequence)
      .map((handle) => ({ dueIn: (handle.deadline - clock.now) * 1000, what: this.describeTimer(handle) }));
  }

  private describeTimer(handle: TimeoutHandle): string {
    const { callback, args } = handle as unknown as TimerInternals;
    const name = describeFunction(callback);
    for (const arg of args) {
      for (const lane of this.lanes.values()) {
        if (lane.waitingObject === arg && arg !== undefined) return `${name} (wakes #${lane.id} ${lane.name})`;
      }
    }
    return name === '<anonymous>' ? 'timer' : name;
  }
}

/** An `addCallback` entry of the ready queue (the loop keeps its class to itself). */
function isReadyCallback(entry: unknown): entry is { callback: Function; args: unknown[] } {
  return (
    entry !== null &&
    typeof entry === 'object' &&
    typeof (entry as { callback?: unknown }).callback === 'function' &&
    Array.isArray((entry as { args?: unknown }).args)
  );
}

/** Takes a snapshot after each iteration and enforces the iteration budget. */
function watchIterations(recorder: Recorder, maxIterations: number): void {
  const loop = recorder.loop as unknown as { runIteration: () => void; iteration: number };
  const runIteration = loop.runIteration;
  loop.runIteration = function runObservedIteration(this: IOLoop) {
    const before = loop.iteration;
    recorder.phase = 'loop';
    try {
      runIteration.call(this);
    } finally {
      recorder.phase = 'microtask';
    }
    if (loop.iteration === before) return;
    recorder.snapshot();
    if (loop.iteration >= maxIterations) {
      recorder.stop(`the program ran ${maxIterations} loop iterations without finishing`);
    }
  };
}

const modules = {
  gen: genModule,
  concurrent: concurrentModule,
  ioloop: ioloopModule,
  locks: locksModule,
  queues: queuesModule,
  log: logModule,
  httpclient: networkModule,
};

function moduleNamed(specifier: string): object {
  if (specifier === 'whirlwind') {
    return {
      ...modules,
      ...concurrentModule,
      ...ioloopModule,
      ...genModule,
      ...logModule,
      ...locksModule,
      ...queuesModule,
      ...networkModule,
    };
  }
  const name = specifier.replace(/^whirlwind\//, '') as keyof typeof modules;
  if (!specifier.startsWith('whirlwind/') || !(name in modules)) {
    const known = ['whirlwind', ...Object.keys(modules).map((m) => `whirlwind/${m}`)].join(', ');
    throw new Error(`The playground can import ${known}; got '${specifier}'`);
  }
  return modules[name];
}

/** The line V8 reports for the first line of a `new Function` body, minus one. */
const lineOffset = (() => {
  try {
    new Function('"use strict";throw new Error()\n//# sourceURL=probe.js')();
  } catch (error) {
    const match = /probe\.js:(\d+)/.exec((error as Error).stack ?? '');
    if (match) return Number(match[1]) - 1;
  }
  return 2;
})();

interface AsyncFrame {
  name: string;
}

function hooksFor(recorder: Recorder, request: RunRequest) {
  return {
    module: moduleNamed,
    guard: (line: number) => recorder.guard(line, request.maxLoopPasses),
    at<T>(line: number, value: T): T {
      recorder.pendingLine = line;
      return value;
    },
    asyncStart(name: string): AsyncFrame {
      const frame = { name };
      recorder.started(frame, name);
      return frame;
    },
    awaiting<T>(frame: AsyncFrame, line: number, value: T): T {
      recorder.pendingLine = line;
      const pending = value instanceof Future ? !value.done() : isThenable(value);
      recorder.yielded(frame, value, true);
      const last = recorder.events[recorder.events.length - 1];
      if (last !== undefined) last.pending = Boolean(pending);
      return value;
    },
    resumed<T>(frame: AsyncFrame, value: T): T {
      recorder.resumed(frame, false, value);
      return value;
    },
    asyncEnd<T>(frame: AsyncFrame, value: T): T {
      recorder.finished(frame, 'result', value);
      return value;
    },
    asyncFail(frame: AsyncFrame, error: unknown): unknown {
      recorder.finished(frame, 'exception', error);
      return error;
    },
  };
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

let activeRecorder: Recorder | null = null;

for (const [method, stream] of [
  ['log', 'out'],
  ['info', 'out'],
  ['debug', 'out'],
  ['warn', 'err'],
  ['error', 'err'],
] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => (activeRecorder ? activeRecorder.print(stream, args) : original(...args));
}

self.addEventListener('unhandledrejection', (event) => {
  // Shown in the run's output (as Node would print it), never as a page error.
  event.preventDefault();
  if (activeRecorder === null || event.reason instanceof StepBudgetExceeded) return;
  activeRecorder.print('err', ['Unhandled promise rejection:', describeForLane(event.reason)]);
});

async function runProgram(source: string, fileName: string, request: RunRequest): Promise<Recording> {
  resetClock();
  const loop = new IOLoop();
  loop.time = () => clock.now;
  loop.makeCurrent();
  const recorder = new Recorder(fileName, loop, lineOffset);
  activeRecorder = recorder;
  watchIterations(recorder, request.maxIterations);
  setTraceSink(recorder);
  try {
    try {
      const program = new Function('__ww', `"use strict";${source}\n//# sourceURL=${fileName}`);
      program(hooksFor(recorder, request));
    } catch (error) {
      recorder.topLevelError(error);
    }
    recorder.phase = 'microtask';
    recorder.snapshot();
    while (recorder.stopped === null) {
      await afterMicrotasks();
      if (recorder.stopped !== null || !runNextVirtualTask()) break;
    }
    // Unhandled rejections are reported a task after the microtask checkpoint: let them land in this run.
    await afterMicrotasks();
    await afterMicrotasks();
    return recorder.recording();
  } finally {
    setTraceSink(null);
    activeRecorder = null;
    loop.close();
    IOLoop.clearCurrent();
  }
}

self.addEventListener('message', async (event: MessageEvent<RunRequest>) => {
  if (event.data?.type !== 'run') return;
  const coroutine = await runProgram(event.data.coroutine, 'coroutine.js', event.data);
  const native = await runProgram(event.data.native, 'async.js', event.data);
  const reply: RunReply = { type: 'done', coroutine, native };
  self.postMessage(reply);
});
