/**
 * Runs the scenario of docs/migrating.md against all four stages of the
 * package cache and prints each transcript once (they must be identical):
 *
 *     npx tsc -p tsconfig.json && node dist/examples/migration/main.js
 */
import { pathToFileURL } from 'node:url';
import { runScenario, type OpenCache } from './scenario.js';
import { startPackageServer } from './server.js';
import * as stage0 from './stage0-callbacks.js';
import * as stage1 from './stage1-futures.js';
import * as stage2 from './stage2-coroutine.js';
import * as stage3 from './stage3-async.js';

/** Each stage behind the scenario's interface: the callback stage needs a small adapter. */
export const STAGES: Record<string, OpenCache> = {
  'stage 0, callbacks': (dir, url) => {
    const cache = new stage0.PackageCache(dir, url);
    return {
      get: (name) =>
        new Promise((resolve, reject) =>
          cache.get(name, (error, info) => (error !== null ? reject(error) : resolve(info))),
        ),
      close: () => undefined,
    };
  },
  'stage 1, Futures with gen.Task': (dir, url) => new stage1.PackageCache(dir, url),
  'stage 2, gen.coroutine': (dir, url) => new stage2.PackageCache(dir, url),
  'stage 3, async/await': (dir, url) => new stage3.PackageCache(dir, url),
};

/** The transcript of every stage, by stage name. */
export async function runAllStages(): Promise<Record<string, string[]>> {
  const server = await startPackageServer();
  try {
    const transcripts: Record<string, string[]> = {};
    for (const [name, open] of Object.entries(STAGES)) transcripts[name] = await runScenario(open, server);
    return transcripts;
  } finally {
    await server.close();
  }
}

/** Prints the shared transcript, and which stages gave it. */
export async function main(): Promise<string[]> {
  const transcripts = await runAllStages();
  const [reference, ...others] = Object.values(transcripts);
  const identical = others.every((lines) => JSON.stringify(lines) === JSON.stringify(reference));
  return [...reference, `identical in ${Object.keys(transcripts).length} stages: ${identical}`];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await main()) console.log(line);
}
