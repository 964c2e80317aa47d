/**
 * Worker-thread entry for startServerThread(): serves the test routes (over
 * https when workerData holds a certificate and key) and posts the port it
 * listens on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { startServer, type ServerTLS } from './httpclient-servers.js';

const server = await startServer((workerData as ServerTLS | null) ?? undefined);
parentPort!.postMessage((server.server.address() as AddressInfo).port);
