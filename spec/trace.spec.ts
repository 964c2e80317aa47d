import { expect } from 'chai';
import { Future } from '../lib/concurrent.js';
import { coroutine, moment, sleep } from '../lib/gen.js';
import { recordTrace, setAsyncStackTraces, TraceRecorder, type TraceEvent } from '../lib/trace.js';
import { resolved, useFreshLoop } from './support/index.js';

function summary(events: readonly TraceEvent[]): string[] {
  return events.map(
    (e) =>
      `${e.coroutine}:${e.kind}${e.kind === 'yield' ? (e.pending ? '/pending' : '/done') : ''}${e.outcome ? '/' + e.outcome : ''}`,
  );
}

describe('whirlwind/trace', () => {
  useFreshLoop();

  describe('recordTrace', () => {
    it('records start, done and pending yields, resume and finish in order', async () => {
      const child = coroutine(function* child() {
        yield resolved(1);
        yield moment;
        return 'ok';
      });
      const { result, trace } = await recordTrace(() => child());
      expect(result).to.equal('ok');
      expect(summary(trace.events)).to.deep.equal([
        'child:start',
        'child:yield/done',
        'child:yield/pending',
        'child:resume',
        'child:finish/result',
      ]);
    });

    it('gives each coroutine its own id and lane, in order of first appearance', async () => {
      const inner = coroutine(function* inner() {
        yield moment;
      });
      const outer = coroutine(function* outer() {
        yield inner();
      });
      const { trace } = await recordTrace(() => outer());
      expect([...trace.coroutines()]).to.deep.equal([
        [1, 'outer'],
        [2, 'inner'],
      ]);
    });

    it('records the loop iteration of each event, so a moment shows as one iteration', async () => {
      const pause = coroutine(function* pause() {
        yield moment;
      });
      const { trace } = await recordTrace(() => pause());
      const yieldEvent = trace.events.find((e) => e.kind === 'yield')!;
      const resumeEvent = trace.events.find((e) => e.kind === 'resume')!;
      expect(resumeEvent.iteration - yieldEvent.iteration).to.equal(1);
    });

    it('records an exception thrown in and the failing finish', async () => {
      const failing = new Future<number>();
      const victim = coroutine(function* victim() {
        yield failing;
      });
      const { trace } = await recordTrace(() => {
        const f = victim();
        failing.setException(new RangeError('bad'));
        return f.then(
          () => 'no',
          (e: unknown) => (e as Error).message,
        );
      });
      expect(summary(trace.events)).to.deep.equal([
        'victim:start',
        'victim:yield/pending',
        'victim:throw',
        'victim:finish/exception',
      ]);
      expect(trace.events[2].detail).to.equal('RangeError: bad');
    });

    it('records a cancellation request and the cancelled finish', async () => {
      const sleeper = coroutine(function* sleeper() {
        yield sleep(10);
      });
      const { trace } = await recordTrace(async () => {
        const f = sleeper();
        f.cancel();
        await f.then(
          () => undefined,
          () => undefined,
        );
      });
      expect(summary(trace.events)).to.include.members(['sleeper:cancel', 'sleeper:finish/cancelled']);
    });

    it('records nothing once stopped', async () => {
      const recorder = new TraceRecorder().start();
      const trace = recorder.stop();
      const after = coroutine(function* after() {
        yield moment;
      });
      await after();
      expect(trace.events).to.have.length(0);
    });

    it('refuses a second recording while one runs', () => {
      const first = new TraceRecorder().start();
      try {
        expect(() => new TraceRecorder().start()).to.throw(/already being recorded/);
      } finally {
        first.stop();
      }
    });
  });

  describe('Trace output', () => {
    async function sampleTrace() {
      const worker = coroutine(function* worker(n: number) {
        yield moment;
        return n;
      });
      const main = coroutine(function* main() {
        return yield [worker(1), worker(2)];
      });
      return (await recordTrace(() => main())).trace;
    }

    it('renders one text line per event naming the coroutine', async () => {
      const trace = await sampleTrace();
      const lines = trace.toText().split('\n');
      expect(lines).to.have.length(trace.events.length);
      expect(lines[0]).to.match(/^iter \d+ +\+\d+\.\d{3} ms +#1 main +start$/);
      expect(lines.some((l) => /#2 worker +yield <gen.moment> +\(pending: gives up control\)/.test(l))).to.equal(true);
    });

    it('exports Chrome Trace Event JSON with a named lane per coroutine and complete slices', async () => {
      const trace = await sampleTrace();
      const json = trace.toChromeTrace();
      const names = json.traceEvents.filter((e) => e.ph === 'M').map((e) => e.args!.name);
      expect(names).to.deep.equal(['#1 main', '#2 worker', '#3 worker']);
      const slices = json.traceEvents.filter((e) => e.ph === 'X');
      expect(slices.length).to.be.greaterThan(0);
      for (const slice of slices) expect(slice.dur).to.be.greaterThan(0);
      expect(() => JSON.parse(JSON.stringify(json))).not.to.throw();
    });

    it('writes a self-contained HTML timeline with a lane per coroutine', async () => {
      const trace = await sampleTrace();
      const html = trace.toHTML('sample');
      expect(html).to.match(/^<!doctype html>/);
      expect(html).to.contain('<svg');
      expect(html).to.contain('#3 worker');
      expect(html).not.to.match(/<script|\bsrc=|\bhref=/);
    });

    it('derives running and waiting spans that alternate for each coroutine', async () => {
      const trace = await sampleTrace();
      const workerSpans = trace
        .spans()
        .filter((s) => s.coroutineId === 2)
        .map((s) => s.kind);
      expect(workerSpans).to.deep.equal(['running', 'waiting', 'running']);
    });
  });

  describe('setAsyncStackTraces', () => {
    afterEach(() => setAsyncStackTraces(false));

    it('appends the chain of coroutine calls to an error crossing coroutines', async () => {
      setAsyncStackTraces(true);
      const inner = coroutine(function* inner() {
        yield moment;
        throw new Error('deep failure');
      });
      const middle = coroutine(function* middle() {
        yield inner();
      });
      const outer = coroutine(function* outer() {
        yield middle();
      });
      const error: Error = await outer().then(
        () => new Error('should have failed'),
        (e: unknown) => e as Error,
      );
      const asyncLines = error.stack!.split('\n').filter((l) => l.includes('at async coroutine'));
      expect(asyncLines.map((l) => l.trim().split(' ')[3])).to.deep.equal(['inner', 'middle', 'outer']);
      // The file is trace.spec.js under Node, the bundle in the browser suite: what matters is middle's frame with its position.
      expect(asyncLines[0]).to.match(/called at .*middle .*\.js:\d+:\d+/);
    });

    it('still fails the coroutine with an error whose stack cannot be written (a frozen error)', async () => {
      setAsyncStackTraces(true);
      const frozen = Object.freeze(new Error('frozen'));
      const f = coroutine(function* () {
        yield moment;
        throw frozen;
      });
      const error = await f().then(
        () => new Error('should have failed'),
        (e: unknown) => e,
      );
      expect(error).to.equal(frozen);
    });

    it('leaves stacks untouched when off', async () => {
      const inner = coroutine(function* inner() {
        yield moment;
        throw new Error('plain');
      });
      const error: Error = await inner().then(
        () => new Error('should have failed'),
        (e: unknown) => e as Error,
      );
      expect(error.stack).not.to.contain('at async coroutine');
    });
  });
});
