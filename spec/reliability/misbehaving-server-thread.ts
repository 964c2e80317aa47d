/** Worker-thread entry for startMisbehavingServerThread(): serves and posts its URL. */
import { parentPort } from 'node:worker_threads';
import { startMisbehavingServer } from './misbehaving-server.js';

const server = await startMisbehavingServer();
parentPort!.postMessage(server.url);
