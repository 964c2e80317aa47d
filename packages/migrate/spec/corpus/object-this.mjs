import { gen } from 'whirlwind';

const store = {
  items: ['a', 'b'],
  load: gen.coroutine(function* (extra) {
    yield gen.sleep(0.001);
    this.items.push(extra);
    return this.items.length;
  }),
};

const main = gen.coroutine(function* () {
  console.log('count', yield store.load('c'));
  console.log(store.items.join(','));
});

await main();
