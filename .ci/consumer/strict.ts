// A strict consumer: every entry point, typed as a user's code would be. Compiled by the consumer test
// with TypeScript 5.9 and 7 (skipLibCheck false), with and without @types/mocha installed, then run.
import { gen, testing as testingNamespace, type Future } from 'whirlwind';
import { Future as ConcurrentFuture, isFuture } from 'whirlwind/concurrent';
import { coroutine, multi, sleep, take, withTimeout } from 'whirlwind/gen';
import { IOLoop } from 'whirlwind/ioloop';
import { Event, Lock } from 'whirlwind/locks';
import { Queue } from 'whirlwind/queues';
import { HTTPRequest, type HTTPResponse } from 'whirlwind/httpclient';
import { ExpectLog, genTest, type TestContext } from 'whirlwind/testing';
import { appLog, LogLevel } from 'whirlwind/log';
import { recordTrace } from 'whirlwind/trace';

const produce = coroutine(function* (queue: Queue<number>, count: number) {
  for (let i = 1; i <= count; i++) yield* queue.put(i);
});

const consume = coroutine(function* (queue: Queue<number>, count: number) {
  let total = 0;
  for (let i = 0; i < count; i++) total += yield* queue.get();
  return total;
});

const main = coroutine(function* () {
  const queue = new Queue<number>(2);
  const lock = new Lock();
  const ready = new Event();
  const [, total] = yield* take([produce(queue, 5), consume(queue, 5)] as const);
  {
    using _held = yield* lock.acquire();
    ready.set();
  }
  yield* sleep(0.001);
  const doubled: number = yield* take(withTimeout({ seconds: 1 }, Promise.resolve(total * 2)));
  const both: number[] = yield multi([Promise.resolve(1), Promise.resolve(2)]);
  return { total, doubled, both, ready: ready.isSet() };
});

const result: { total: number; doubled: number; both: number[]; ready: boolean } = await IOLoop.current().runSync(main);
const future: Future<number> = new ConcurrentFuture<number>();
const request = new HTTPRequest('http://127.0.0.1:1/', { method: 'GET' });
const onResponse = (response: HTTPResponse): string => response.body.toString('utf8');
const wrapped: (this: TestContext) => Promise<void> = genTest(function* () {
  yield gen.moment;
});
const expectLog = new ExpectLog(appLog, /nothing/, { required: false, level: LogLevel.ERROR });
const traced = recordTrace(() => 42);

const summary = [
  result.total,
  result.doubled,
  result.both.join('+'),
  result.ready,
  isFuture(future),
  request.method,
  typeof onResponse,
  typeof wrapped,
  expectLog.required,
  traced.result,
  typeof testingNamespace.genTest,
];
console.log(JSON.stringify(summary));
if (summary.join(',') !== '15,30,1+2,true,true,GET,function,function,false,42,function') process.exitCode = 1;
