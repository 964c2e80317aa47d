import { Future, gen } from 'whirlwind';

const later = <T>(value: T, seconds: number): Future<T> => {
  const future = new Future<T>();
  setTimeout(() => future.setResult(value), seconds * 1000);
  return future;
};

const main = gen.coroutine(function* () {
  const n = yield* later(20, 0.002);
  const s = yield* gen.take(Promise.resolve('text'));
  const both = yield* gen.take(gen.multi([later(1, 0.001), later('one', 0.001)] as const));
  return `${n + 1} ${s.toUpperCase()} ${both[0]} ${both[1]}`;
});

console.log(await main());
