/**
 * The platform module: under Node the core gets Node's own objects (so Node
 * users pay nothing and keep AsyncLocalStorage), and the portable module
 * offers the same names built on web standards, formatting as Node does.
 */
import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { format as nodeFormat, inspect as nodeInspect } from 'node:util';
import * as platform from '#platform';
import * as nodePlatform from '../lib/internal/platform.js';
import * as portable from '../lib/internal/platform-portable.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Values whose one-line rendering the two modules must agree on. */
const SAMPLES: unknown[] = [
  42,
  -0,
  12n,
  'text',
  "it's",
  true,
  null,
  undefined,
  Symbol('tag'),
  [1, 'two', [3]],
  [],
  { a: 1, b: 'x', 'not an identifier': [] },
  {},
  new Point(1, 2),
  Object.create(null),
  function named() {},
  () => 0,
  class Shape {},
  new Map([['k', 1]]),
  new Set([1, 2]),
  /re/g,
];

describe('platform module', () => {
  it('is the Node implementation under Node (the package.json imports condition)', () => {
    expect(platform.AsyncContext).to.equal(nodePlatform.AsyncContext);
    expect(platform.AsyncContext).to.equal(AsyncResource);
    expect(platform.format).to.equal(nodeFormat);
  });

  it('has the same names in its Node and portable implementations', () => {
    expect(Object.keys(portable).sort()).to.deep.equal(Object.keys(nodePlatform).sort());
  });

  describe('portable implementation', () => {
    for (const sample of SAMPLES) {
      it(`renders ${nodeInspect(sample)} as Node's inspect does`, () => {
        expect(portable.inspect(sample)).to.equal(nodeInspect(sample));
      });
    }

    it("uses an object's own inspect method, as Node does (Future, Lock, Queue have one)", () => {
      const custom = { [Symbol.for('nodejs.util.inspect.custom')]: () => '<Lock [unlocked]>' };
      expect(portable.inspect(custom)).to.equal(nodeInspect(custom));
      expect(portable.inspect(custom, { customInspect: false })).to.equal('{}');
    });

    it('shows a getter without running it', () => {
      let ran = false;
      const value = {
        get risky() {
          ran = true;
          return 1;
        },
      };
      expect(portable.inspect(value)).to.equal('{ risky: [Getter] }');
      expect(ran).to.equal(false);
    });

    it('formats printf-style arguments as util.format does', () => {
      const cases: unknown[][] = [
        ['%s took %d ms', 'fetch', 12],
        ['Exception in callback %s', 'tick', new Error('boom').message],
        ['%o and %j', [1], { a: 1 }],
        ['%o then %O', { a: [1, 2] }, [3]],
        ['%i%%', 42.9],
        ['no placeholders', 1, 'two'],
        [{ not: 'a format' }, 3],
        ['%s', 5n],
        ['%s left over'],
      ];
      for (const args of cases) expect(portable.format(...args), String(args[0])).to.equal(nodeFormat(...args));
    });

    it('runs a function in an AsyncContext as a plain call, with this and arguments', () => {
      const context = new portable.AsyncContext('test');
      const self = { n: 2 };
      expect(
        context.runInAsyncScope(
          function (this: typeof self, a: number) {
            return this.n + a;
          },
          self,
          3,
        ),
      ).to.equal(5);
    });

    it('runs a macrotask after the microtasks already queued', async () => {
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        portable.runInMacrotask(() => {
          order.push('macrotask');
          resolve();
        });
        void Promise.resolve().then(() => order.push('microtask'));
      });
      expect(order).to.deep.equal(['microtask', 'macrotask']);
    });

    it('says that process signals need Node', () => {
      expect(() => portable.onSignal('SIGHUP', () => {})).to.throw(/addSignalHandler\('SIGHUP'\) needs Node\.js/);
    });

    it('has no worker threads, no inspector, no environment and no exit event', () => {
      expect(portable.nodeWorkers).to.equal(null);
      expect(portable.openInspectorSession()).to.equal(null);
      expect(portable.environmentVariable('PATH')).to.equal(undefined);
      expect(portable.onExit(() => {})).to.equal(false);
    });

    it('tells a revoked Proxy from a live one and from other values, as the Node module does', () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      const live = new Proxy({}, {});
      for (const value of [live, {}, 1, null]) expect(portable.isRevokedProxy(value)).to.equal(false);
      expect(portable.isRevokedProxy(proxy)).to.equal(false);
      revoke();
      expect(portable.isRevokedProxy(proxy)).to.equal(true);
      expect(nodePlatform.isRevokedProxy(proxy)).to.equal(true);
    });

    it('tells a Promise from a thenable', () => {
      expect(portable.isPromise(Promise.resolve())).to.equal(true);
      expect(portable.isPromise({ then() {} })).to.equal(false);
    });
  });
});
