/**
 * Run as a child process by spec/executor.spec.ts: uses a ThreadPoolExecutor
 * and then simply stops. The process must exit by itself, because idle (or
 * shut down) workers never keep it alive. argv[2]: 'idle' or 'shutdown'.
 */
import { ThreadPoolExecutor } from '../../lib/concurrent.js';
import { IOLoop } from '../../lib/ioloop.js';

const mode = process.argv[2];
const pool = new ThreadPoolExecutor(2);
const loop = IOLoop.current();
const sum = await loop.runSync(() => pool.submit((a: number, b: number) => a + b, 2, 3));
if (mode === 'shutdown') await loop.runSync(() => pool.shutdown());
console.log(`sum ${sum}`);
