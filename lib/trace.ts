/// <reference types="node" preserve="true" />
/**
 * Seeing the runner at work: record every coroutine start, yield (of what,
 * done or pending), resume, throw-in, cancellation and finish, with the loop
 * iteration and time, then read it as text, open it in Perfetto /
 * chrome://tracing (Chrome Trace Event JSON), or as a self-contained HTML
 * timeline with one lane per coroutine. Nothing is recorded, and nothing
 * costs, unless a recording is running.
 *
 * Also here: `setAsyncStackTraces(true)` (or `WHIRLWIND_ASYNC_STACKS=1`),
 * which makes an error that crosses coroutines carry the chain of coroutine
 * calls in its stack, as V8 does with `at async` frames for native async code.
 *
 * @example
 * ```ts
 * import { gen } from 'whirlwind';
 * import { recordTrace } from 'whirlwind/trace';
 *
 * const child = gen.coroutine(function* childWork() { yield gen.sleep(0.01); return 1; });
 * const { trace } = await recordTrace(() => child());
 * console.log(trace.toText());
 * ```
 * @module
 */
import { isFuture } from './concurrent/future.js';
import { IOLoop } from './ioloop.js';
import { isMoment } from './gen/convert.js';
import { checkFunction, refuse } from './internal/arguments.js';
import { describeValue } from './internal/describe-safely.js';
import { finishAfter } from './internal/settle.js';
import { callSitesEnabled, setCallSitesEnabled, setTraceSink } from './internal/trace-hook.js';

/** What happened to a coroutine at one point of its life. */
export type TraceEventKind = 'start' | 'yield' | 'resume' | 'throw' | 'cancel' | 'finish';

/** One recorded event. */
export interface TraceEvent {
  kind: TraceEventKind;
  /** 1, 2, 3... in order of first appearance within this recording. */
  coroutineId: number;
  /** The coroutine function's name (`<anonymous>` if it has none). */
  coroutine: string;
  /** `IOLoop.current().iteration` when it happened. */
  iteration: number;
  /** Seconds since the recording started, on the loop's clock. */
  time: number;
  /** For `yield`: true if the yielded thing was pending (the coroutine gave up control). */
  pending?: boolean;
  /** For `finish`: how it ended. */
  outcome?: 'result' | 'exception' | 'cancelled';
  /** A one-line rendering of what was yielded, sent in, thrown in, or returned. */
  detail: string;
}

/**
 * A finished recording, as `TraceRecorder.stop()` and `recordTrace` return
 * it: the events in the order they happened, and renderings of them (text,
 * Chrome Trace Event JSON, HTML timeline).
 *
 * @example
 * ```ts
 * const { trace } = await recordTrace(() => main());
 * console.log(trace.toText());
 * for (const [id, name] of trace.coroutines()) console.log(id, name);
 * ```
 */
export class Trace {
  /** Every event recorded, oldest first. */
  readonly events: readonly TraceEvent[];

  constructor(events: readonly TraceEvent[]) {
    this.events = events;
  }

  /** The coroutines seen, by id. */
  coroutines(): Map<number, string> {
    const names = new Map<number, string>();
    for (const event of this.events) if (!names.has(event.coroutineId)) names.set(event.coroutineId, event.coroutine);
    return names;
  }

  /**
   * One line per event: iteration, time, coroutine, what happened.
   *
   * @example
   * ```text
   * iter 0   +0.000 ms  #1 fetchAll   start
   * iter 0   +0.010 ms  #1 fetchAll   yield <Future pending>  (pending: gives up control)
   * ```
   */
  toText(): string {
    const width = Math.max(8, ...[...this.coroutines().values()].map((n) => n.length));
    return this.events
      .map((e) => {
        const who = `#${e.coroutineId} ${e.coroutine}`.padEnd(width + 4);
        const when = `+${(e.time * 1000).toFixed(3)} ms`.padStart(12);
        return `iter ${String(e.iteration).padEnd(4)}${when}  ${who} ${describeEvent(e)}`;
      })
      .join('\n');
  }

  /**
   * Chrome Trace Event JSON: one thread (lane) per coroutine, a slice for each
   * stretch it ran and for each wait; opens in Perfetto and chrome://tracing.
   */
  toChromeTrace(): { traceEvents: ChromeTraceEvent[]; displayTimeUnit: 'ms' } {
    const traceEvents: ChromeTraceEvent[] = [];
    for (const [id, name] of this.coroutines()) {
      traceEvents.push({ name: 'thread_name', ph: 'M', pid: 1, tid: id, args: { name: `#${id} ${name}` } });
    }
    for (const span of this.spans()) {
      traceEvents.push({
        name: span.label,
        cat: span.kind,
        ph: 'X',
        ts: span.start * 1e6,
        dur: Math.max(0.001, (span.end - span.start) * 1e6),
        pid: 1,
        tid: span.coroutineId,
        args: { iterations: `${span.startIteration}..${span.endIteration}` },
      });
    }
    for (const e of this.events) {
      traceEvents.push({
        name: `${e.kind}${e.kind === 'yield' ? (e.pending ? ' (pending)' : ' (done)') : ''}`,
        cat: 'event',
        ph: 'i',
        s: 't',
        ts: e.time * 1e6,
        pid: 1,
        tid: e.coroutineId,
        args: { detail: e.detail, iteration: e.iteration },
      });
    }
    return { traceEvents, displayTimeUnit: 'ms' };
  }

  /**
   * A self-contained HTML page: a timeline with one lane per coroutine (solid
   * bars where it ran, hollow bars where it waited, ticks for done yields),
   * laid out by loop iteration, and the text trace below it.
   */
  toHTML(title = 'whirlwind trace'): string {
    if (typeof title !== 'string') refuse('toHTML', 'a title string', title);
    const lanes = [...this.coroutines()];
    const spans = this.spans();
    const lastIteration = Math.max(1, ...this.events.map((e) => e.iteration));
    const first = this.events.length > 0 ? this.events[0].iteration : 0;
    const columns = lastIteration - first + 1;
    const laneHeight = 28;
    const left = 170;
    const columnWidth = Math.max(24, Math.min(80, Math.floor(900 / columns)));
    const width = left + columns * columnWidth + 20;
    const height = 40 + lanes.length * laneHeight;
    const x = (iteration: number) => left + (iteration - first) * columnWidth;
    const laneY = new Map(lanes.map(([id], i) => [id, 30 + i * laneHeight]));
    const parts: string[] = [];
    for (let i = 0; i < columns; i++) {
      parts.push(`<line x1="${x(first + i)}" y1="20" x2="${x(first + i)}" y2="${height}" class="grid"/>`);
      parts.push(`<text x="${x(first + i) + 3}" y="14" class="axis">${first + i}</text>`);
    }
    for (const [id, name] of lanes) {
      parts.push(`<text x="6" y="${laneY.get(id)! + 16}" class="lane">#${id} ${escapeHtml(name)}</text>`);
    }
    for (const span of spans) {
      const y = laneY.get(span.coroutineId)! + 4;
      const x0 = x(span.startIteration) + (span.kind === 'running' ? 2 : 0);
      const w = Math.max(
        6,
        x(span.endIteration) - x(span.startIteration) + (span.kind === 'running' ? columnWidth - 4 : 0),
      );
      parts.push(
        `<rect x="${x0}" y="${y}" width="${w}" height="18" rx="3" class="${span.kind}"><title>${escapeHtml(span.label)}</title></rect>`,
      );
    }
    for (const e of this.events) {
      if (e.kind !== 'yield' || e.pending) continue;
      const y = laneY.get(e.coroutineId)! + 2;
      parts.push(
        `<line x1="${x(e.iteration) + columnWidth / 2}" y1="${y}" x2="${x(e.iteration) + columnWidth / 2}" y2="${y + 22}" class="tick"><title>${escapeHtml(describeEvent(e))}</title></line>`,
      );
    }
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
.grid { stroke: #eee; } .axis { font-size: 10px; fill: #888; } .lane { font: 12px monospace; }
.running { fill: #2b7bb9; } .waiting { fill: none; stroke: #2b7bb9; stroke-dasharray: 3 2; }
.tick { stroke: #e08a00; stroke-width: 2; } pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>One lane per coroutine, one column per IOLoop iteration. Solid: running; dashed: waiting on a pending yield; orange tick: a done Future consumed without giving up control.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="coroutine timeline">
${parts.join('\n')}
</svg>
<h2>Events</h2>
<pre>${escapeHtml(this.toText())}</pre>
</body></html>
`;
  }

  /** Running and waiting stretches per coroutine, derived from the events. */
  spans(): TraceSpan[] {
    const spans: TraceSpan[] = [];
    const open = new Map<number, { kind: 'running' | 'waiting'; start: number; iteration: number; label: string }>();
    const close = (e: TraceEvent) => {
      const current = open.get(e.coroutineId);
      if (current === undefined) return;
      spans.push({
        coroutineId: e.coroutineId,
        kind: current.kind,
        start: current.start,
        end: e.time,
        startIteration: current.iteration,
        endIteration: e.iteration,
        label: current.label,
      });
      open.delete(e.coroutineId);
    };
    for (const e of this.events) {
      switch (e.kind) {
        case 'start':
          open.set(e.coroutineId, {
            kind: 'running',
            start: e.time,
            iteration: e.iteration,
            label: `${e.coroutine} running`,
          });
          break;
        case 'yield':
          if (e.pending) {
            close(e);
            open.set(e.coroutineId, {
              kind: 'waiting',
              start: e.time,
              iteration: e.iteration,
              label: `${e.coroutine} waiting on ${e.detail}`,
            });
          }
          break;
        case 'resume':
        case 'throw':
          if (open.get(e.coroutineId)?.kind === 'waiting') {
            close(e);
            open.set(e.coroutineId, {
              kind: 'running',
              start: e.time,
              iteration: e.iteration,
              label: `${e.coroutine} running`,
            });
          }
          break;
        case 'finish':
          close(e);
          break;
        default:
          break;
      }
    }
    return spans;
  }
}

/** A stretch of a coroutine's life: running, or waiting on a pending yield. */
export interface TraceSpan {
  coroutineId: number;
  kind: 'running' | 'waiting';
  start: number;
  end: number;
  startIteration: number;
  endIteration: number;
  label: string;
}

/** An entry of the Chrome Trace Event format. */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  cat?: string;
  ts?: number;
  dur?: number;
  s?: 't';
  args?: Record<string, unknown>;
}

function describeEvent(e: TraceEvent): string {
  switch (e.kind) {
    case 'start':
      return 'start';
    case 'yield':
      return `yield ${e.detail}${e.pending ? '  (pending: gives up control)' : '  (done: consumed at once)'}`;
    case 'resume':
      return `resume with ${e.detail}`;
    case 'throw':
      return `throw in ${e.detail}`;
    case 'cancel':
      return 'cancel requested';
    case 'finish':
      return `finish: ${e.outcome} ${e.detail}`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function describeForTrace(value: unknown): string {
  // Called as the runner steps: a yielded or resumed value may be a Proxy whose traps throw, so no instanceof here.
  if (isFuture(value)) return value.toString();
  if (isMoment(value)) return '<gen.moment>';
  return describeValue(value);
}

/**
 * Records the runner's events until `stop()`. Only one recording runs at a
 * time; starting a second one while the first runs is an error.
 *
 * @example
 * ```ts
 * const recorder = new TraceRecorder().start();
 * yield work();
 * const trace = recorder.stop();
 * ```
 */
export class TraceRecorder {
  // Not `implements RunnerTraceSink`: its methods are internal, stripped from the
  // declarations; setTraceSink(this) checks that a recorder fits.

  private readonly events: TraceEvent[] = [];
  private readonly ids = new WeakMap<object, { id: number; name: string }>();
  private nextId = 1;
  private origin = 0;
  private recording = false;

  /** Starts recording; throws if another recording is running. */
  start(): this {
    if (this.recording) return this;
    const previous = setTraceSink(this);
    if (previous !== null) {
      setTraceSink(previous);
      throw new Error('TraceRecorder.start(): another trace is already being recorded; stop it first');
    }
    this.recording = true;
    this.origin = IOLoop.current().time();
    return this;
  }

  /** Stops recording and returns what was recorded. */
  stop(): Trace {
    if (this.recording) {
      setTraceSink(null);
      this.recording = false;
    }
    return new Trace(this.events.slice());
  }

  /** @internal */
  started(runner: object, name: string): void {
    this.ids.set(runner, { id: this.nextId++, name: name || '<anonymous>' });
    this.push('start', runner, '');
  }
  /** @internal */
  yielded(runner: object, yielded: unknown, pending: boolean): void {
    const event = this.push('yield', runner, describeForTrace(yielded));
    if (event) event.pending = pending;
  }
  /** @internal */
  resumed(runner: object, isThrow: boolean, value: unknown): void {
    this.push(isThrow ? 'throw' : 'resume', runner, describeForTrace(value));
  }
  /** @internal */
  cancelRequested(runner: object): void {
    this.push('cancel', runner, '');
  }
  /** @internal */
  finished(runner: object, outcome: 'result' | 'exception' | 'cancelled', value: unknown): void {
    const event = this.push('finish', runner, describeForTrace(value));
    if (event) event.outcome = outcome;
  }

  private push(kind: TraceEventKind, runner: object, detail: string): TraceEvent | null {
    const known = this.ids.get(runner);
    // A coroutine started before the recording began is picked up at its first event.
    const who = known ?? { id: this.nextId++, name: runnerName(runner) };
    if (known === undefined) this.ids.set(runner, who);
    const loop = IOLoop.current();
    const event: TraceEvent = {
      kind,
      coroutineId: who.id,
      coroutine: who.name,
      iteration: loop.iteration,
      time: loop.time() - this.origin,
      detail,
    };
    this.events.push(event);
    return event;
  }
}

function runnerName(runner: object): string {
  const text = String(runner);
  const match = /^<Coroutine (\S+)/.exec(text);
  return match ? match[1] : '<anonymous>';
}

/**
 * Runs `fn` while recording, and returns its result with the trace. If `fn`
 * returns a Future or Promise, recording lasts until it settles (and the
 * call returns a Promise).
 *
 * @example
 * ```ts
 * const { result, trace } = await recordTrace(() => fetchAll(urls));
 * await writeFile('trace.json', JSON.stringify(trace.toChromeTrace()));
 * ```
 */
export function recordTrace<R>(
  fn: () => R,
): R extends PromiseLike<infer V> ? Promise<{ result: V; trace: Trace }> : { result: R; trace: Trace } {
  checkFunction(fn, 'recordTrace');
  const recorder = new TraceRecorder().start();
  return finishAfter(
    fn,
    (result) => ({ result, trace: recorder.stop() }),
    (error) => {
      recorder.stop();
      throw error;
    },
  ) as never;
}

/**
 * Turns stack traces across yields on or off (default off, or on with the
 * environment variable `WHIRLWIND_ASYNC_STACKS=1`). When on, each coroutine
 * call records its call site, and an error leaving a coroutine gets a line
 * `at async coroutine NAME (called at CALLER)` appended to its stack, so the
 * chain of coroutine calls shows as native async frames do. It costs a
 * captured call site per coroutine call (see docs/performance.md); returns
 * the previous setting. Cost when on: a few microseconds per coroutine call
 * (V8 captures a stack; bench/debug-options.ts measures it).
 *
 * @example
 * ```ts
 * setAsyncStackTraces(true);
 * try { yield outer(); } catch (e) { console.log(e.stack); } // ... at async coroutine inner (called at outer ...)
 * ```
 */
export function setAsyncStackTraces(enabled: boolean): boolean {
  if (typeof enabled !== 'boolean') refuse('setAsyncStackTraces', 'true or false', enabled);
  return setCallSitesEnabled(enabled);
}

/**
 * True while stack traces across yields are on (see {@link setAsyncStackTraces}).
 *
 * @example
 * ```ts
 * if (!asyncStackTracesEnabled()) console.log('set WHIRLWIND_ASYNC_STACKS=1 for coroutine call chains');
 * ```
 */
export function asyncStackTracesEnabled(): boolean {
  return callSitesEnabled;
}
