// A mocha spec written against whirlwind/testing, compiled with @types/mocha installed and run by mocha.
import { strict as assert } from 'node:assert';
import { coroutine, sleep } from 'whirlwind/gen';
import { ExpectLog, genTest } from 'whirlwind/testing';
import { appLog } from 'whirlwind/log';
import { IOLoop } from 'whirlwind/ioloop';

const slowDouble = coroutine(function* (n: number) {
  yield* sleep(0.001);
  return n * 2;
});

describe('whirlwind/testing from an installed package', () => {
  it(
    'runs a generator test on a fresh loop',
    genTest(function* () {
      this.slow(1000); // TestContext's members type-check against mocha's context
      const doubled: number = yield* slowDouble(21);
      assert.equal(doubled, 42);
    }),
  );

  it(
    "takes the whole of mocha's context when asked",
    genTest<Mocha.Context>(
      function* () {
        assert.equal(this.test?.title, "takes the whole of mocha's context when asked");
        yield* sleep(0.001);
      },
      { timeout: 2 },
    ),
  );

  it('hides an expected log line', async () => {
    await new ExpectLog(appLog, /Exception in callback/).use(async () => {
      IOLoop.current().addCallback(() => {
        throw new Error('expected by the test');
      });
      await sleep(0.01);
    });
  });
});
