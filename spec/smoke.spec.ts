import { expect } from 'chai';
import * as whirlwind from '../lib/index.js';

describe('the package entry point', () => {
  it('exposes the gen, concurrent, ioloop and testing namespaces', () => {
    expect(whirlwind.gen.coroutine).to.be.a('function');
    expect(whirlwind.concurrent.Future).to.equal(whirlwind.Future);
    expect(whirlwind.ioloop.IOLoop).to.equal(whirlwind.IOLoop);
    expect(whirlwind.testing.genTest).to.be.a('function');
  });

  it('runs a coroutine to completion through await', async () => {
    const double = whirlwind.gen.coroutine(function* (n: number) {
      const doubled: number = yield Promise.resolve(n * 2);
      return doubled;
    });
    expect(await double(21)).to.equal(42);
  });
});
