// CommonJS: require() of the ESM-only package (Node 20.19+ and 22.12+ load ES modules from require()).
const assert = require('node:assert/strict');
const { gen, IOLoop, Queue } = require('whirlwind');
const { Future } = require('whirlwind/concurrent');

const countdown = gen.coroutine(function* (from) {
  const queue = new Queue();
  for (let n = from; n > 0; n--) yield queue.put(n);
  const seen = [];
  while (queue.qsize() > 0) seen.push(yield queue.get());
  return seen.join(' ');
});

IOLoop.current()
  .runSync(() => countdown(3))
  .then((result) => {
    console.log(JSON.stringify(result));
    assert.equal(result, '3 2 1');
    assert.equal(require('whirlwind').Future, Future, 'one module instance for the root and the subpath');
  });
