/**
 * Tornado's Queue docstring example, four ways: a consumer and a producer
 * over `Queue(2)`, each a generator coroutine or a native async function.
 * Generators reproduce Tornado's order exactly; `await` on a whirlwind
 * Future does not, and these specs pin how (docs/tornado-to-whirlwind.md,
 * "Queue interleaving", explains why). Since `await` of a done Future stopped
 * waiting for a loop iteration (issue 15, the Promise boundary), the async
 * version matches Tornado's order from W1 on; only the start differs. If the
 * scheduling of `await` changes again, change these specs and that section together.
 *
 * The clock is fake, so each 10 ms of "work" ends only when the spec moves the
 * clock: the order depends on loop iterations alone, never on the machine.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { coroutine, sleep } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { Queue } from '../lib/queues.js';
import { useFreshLoop } from './support/index.js';

type Style = 'generator' | 'async';

/** Tornado's docstring order (tornado/queues.py): "Put 0", "Put 1", "Doing work on 0", ... */
const TORNADO_ORDER = 'P0 P1 W0 P2 W1 P3 W2 P4 W3 W4';

describe('Queue(2) with a consumer doing 10 ms of work per item and a producer putting 0-4', () => {
  const loop = useFreshLoop();
  // Not support/deadlines' useFakeClock: its advance() runs iterations of its own, which would show in the order.
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => clock.restore());

  /** Runs the example; returns the order of "W<item>" (work started) and "P<item>" (put done), with the loop iteration of each. */
  async function interleaving(
    consumerStyle: Style,
    producerStyle: Style,
  ): Promise<{ order: string; iterations: string }> {
    const q = new Queue<number>(2);
    const events: Array<[string, number]> = [];
    const note = (event: string) => events.push([event, loop().iteration]);
    const generatorConsumer = coroutine(function* () {
      for (;;) {
        const item: number = yield q.get();
        try {
          note(`W${item}`);
          yield sleep(0.01);
        } finally {
          q.taskDone();
        }
      }
    });
    const asyncConsumer = async () => {
      for await (const item of q) {
        try {
          note(`W${item}`);
          await sleep(0.01);
        } finally {
          q.taskDone();
        }
      }
    };
    const generatorProducer = coroutine(function* () {
      for (let item = 0; item < 5; item++) {
        yield q.put(item);
        note(`P${item}`);
      }
    });
    const asyncProducer = async () => {
      for (let item = 0; item < 5; item++) {
        await q.put(item);
        note(`P${item}`);
      }
    };
    IOLoop.current().spawnCallback(consumerStyle === 'generator' ? generatorConsumer : asyncConsumer);
    const produced = producerStyle === 'generator' ? generatorProducer() : asyncProducer();
    let finished = false;
    void Promise.resolve(produced)
      .then(() => q.join())
      .then(() => (finished = true));
    for (let step = 0; step < 100 && !finished; step++) await clock.tickAsync(10);
    expect(finished, 'the example did not finish').to.equal(true);
    return {
      order: events.map(([event]) => event).join(' '),
      iterations: events.map(([event, iteration]) => `${event}@${iteration}`).join(' '),
    };
  }

  it("follows Tornado's docstring order with a generator consumer and a generator producer", async () => {
    const { order, iterations } = await interleaving('generator', 'generator');
    expect(order).to.equal(TORNADO_ORDER);
    expect(iterations).to.equal('P0@0 P1@0 W0@1 P2@2 W1@4 P3@5 W2@7 P4@8 W3@11 W4@13');
  });

  it('gives W0 P0 P1 P2 W1 P3 W2 P4 W3 W4 with an async consumer and producer: await suspends even on a done Future', async () => {
    const { order, iterations } = await interleaving('async', 'async');
    expect(order).to.equal('W0 P0 P1 P2 W1 P3 W2 P4 W3 W4');
    expect(iterations).to.equal('W0@1 P0@1 P1@1 P2@1 W1@4 P3@4 W2@7 P4@7 W3@9 W4@11');
  });

  it('puts P2 before W0 with an async consumer and a generator producer: the consumer starts a step late', async () => {
    const { order } = await interleaving('async', 'generator');
    expect(order).to.equal('P0 P1 P2 W0 P3 W1 P4 W2 W3 W4');
  });

  it('starts with W0 P0 with a generator consumer and an async producer: each put costs the producer an iteration', async () => {
    const { order } = await interleaving('generator', 'async');
    expect(order).to.equal('W0 P0 P1 P2 W1 P3 W2 P4 W3 W4');
  });
});
