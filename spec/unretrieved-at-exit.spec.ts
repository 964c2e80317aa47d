/**
 * A failed Future nobody looks at is reported no later than the end of the
 * process: a short script never reaches the garbage collection that reports
 * it otherwise. Each case runs in a child process and reads its stderr.
 */
import { expect } from 'chai';
import { runWhirlwindScript } from './support/child-process.js';

const NEVER_RETRIEVED = 'Future exception was never retrieved';

/** Occurrences of the report in `stderr`. */
function reports(stderr: string): number {
  return stderr.split(NEVER_RETRIEVED).length - 1;
}

describe('a failed Future nobody retrieves, at process exit', function () {
  this.timeout(30_000);

  it('is reported on stderr with its stack when the script ends by itself, before any garbage collection', async () => {
    const ended = await runWhirlwindScript(`
      const lost = w.gen.coroutine(function* lost() { yield w.gen.moment; throw new Error('lost in a coroutine'); });
      lost();
    `);
    expect(reports(ended.stderr), ended.stderr).to.equal(1);
    expect(ended.stderr).to.contain('Error: lost in a coroutine');
    expect(ended.stderr).to.match(/at .*lost/);
    expect(ended.code).to.equal(0); // a log record, as asyncio's: the exit code is the program's own
  });

  it('is reported when the script calls process.exit()', async () => {
    const ended = await runWhirlwindScript(`
      const failed = new w.Future();
      failed.setException(new Error('failed before exit'));
      setTimeout(() => process.exit(3), 20);
    `);
    expect(reports(ended.stderr), ended.stderr).to.equal(1);
    expect(ended.stderr).to.contain('Error: failed before exit');
    expect(ended.code).to.equal(3);
  });

  it('is reported once per Future, however many failed', async () => {
    const ended = await runWhirlwindScript(`
      for (let i = 0; i < 3; i++) w.gen.coroutine(function* () { yield w.gen.moment; throw new Error('failure ' + i); })();
    `);
    expect(reports(ended.stderr), ended.stderr).to.equal(3);
    for (const i of [0, 1, 2]) expect(ended.stderr).to.contain(`Error: failure ${i}`);
  });

  it('is not reported for a Future stored and yielded by a coroutine on a later iteration', async () => {
    const ended = await runWhirlwindScript(`
      const failing = w.gen.coroutine(function* () { yield w.gen.moment; throw new Error('seen later'); });
      const stored = failing();
      const consumer = w.gen.coroutine(function* () {
        try { yield stored; } catch (e) { console.log('caught', e.message); }
      });
      setTimeout(consumer, 50);
    `);
    expect(ended.stderr).to.equal('');
    expect(ended.stdout).to.equal('caught seen later\n');
  });

  it('is not reported for a Future awaited a few turns after it failed', async () => {
    const ended = await runWhirlwindScript(`
      const failed = new w.Future();
      failed.setException(new Error('awaited later'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await failed.catch((e) => console.log('caught', e.message));
    `);
    expect(ended.stderr).to.equal('');
    expect(ended.stdout).to.equal('caught awaited later\n');
  });

  it('is not reported again at exit when garbage collection reported it first', async () => {
    const ended = await runWhirlwindScript(
      `
      (() => { const f = new w.Future(); f.setException(new Error('collected')); })();
      for (let i = 0; i < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        globalThis.gc();
      }
      console.error('last line');
    `,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(reports(ended.stderr), ended.stderr).to.equal(1);
    // Reported by the collector, before the script's last line, and not again by the exit hook after it.
    expect(ended.stderr.indexOf(NEVER_RETRIEVED)).to.be.below(ended.stderr.indexOf('last line'));
  });
});
