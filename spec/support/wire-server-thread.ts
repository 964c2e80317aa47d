/**
 * Worker-thread entry for startWireServerThread(): starts the raw servers
 * (https for each `true` in workerData), posts their URLs, and answers each
 * 'records' message with what they have received so far.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startWireServers } from './wire-server.js';

const servers = await startWireServers(workerData as boolean[]);
parentPort!.on('message', () => {
  void servers.records().then((records) => parentPort!.postMessage(records));
});
parentPort!.postMessage(servers.urls);
