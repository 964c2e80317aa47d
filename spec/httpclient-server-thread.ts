/**
 * Worker-thread entry for startServerThread(): serves the test routes and
 * posts the port it listens on.
 */
import { parentPort } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { startServer } from './httpclient-servers.js';

const server = await startServer();
parentPort!.postMessage((server.server.address() as AddressInfo).port);
