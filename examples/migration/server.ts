/**
 * The package registry the migration examples fetch from: a local HTTP
 * server with two packages, one broken entry and 404 for the rest. It
 * records every path requested, so a run can show which `get`s went over
 * the network.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running registry. */
export interface PackageServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

const BODIES: Record<string, string> = {
  '/alpha': JSON.stringify({ name: 'alpha', version: '1.0.0' }),
  '/beta': JSON.stringify({ name: 'beta', version: '2.1.0' }),
  '/broken': '{"name": "broken", ',
};

/** Starts the registry on a free port of 127.0.0.1. */
export function startPackageServer(): Promise<PackageServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const body = BODIES[path];
    // A few milliseconds of latency, so concurrent gets really overlap.
    setTimeout(() => {
      if (body === undefined) response.writeHead(404).end('not found');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }, 5);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((closed) => {
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}
