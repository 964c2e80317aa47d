/**
 * One fixed run of a package cache, the same for every stage of
 * docs/migrating.md, written down as lines of text: the stages are equal
 * when their transcripts are.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageServer } from './server.js';

/** What the scenario needs from a cache, whatever its style: `get` as a PromiseLike. */
export interface CacheUnderTest {
  get(name: string): PromiseLike<unknown>;
  close(): void;
}

/** Opens a cache of one stage on `dir`, fetching from `baseUrl`. */
export type OpenCache = (dir: string, baseUrl: string) => CacheUnderTest;

function outcome(value: unknown): string {
  return JSON.stringify(value);
}

function failure(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${String(error)}`;
  // JSON.parse's wording changes between V8 versions; the class is what matters here.
  return error instanceof SyntaxError ? error.name : `${error.name}: ${error.message}`;
}

async function attempt(get: () => PromiseLike<unknown>): Promise<string> {
  try {
    return outcome(await get());
  } catch (error) {
    return failure(error);
  }
}

/** Runs the scenario for one stage in a fresh directory; returns the transcript. */
export async function runScenario(open: OpenCache, server: PackageServer): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'whirlwind-migration-'));
  server.requests.length = 0;
  const lines: string[] = [];
  const first = open(dir, server.url);
  const second = open(dir, server.url);
  try {
    lines.push(`alpha, fetched: ${await attempt(() => first.get('alpha'))}`);
    lines.push(`alpha, from memory: ${await attempt(() => first.get('alpha'))}`);
    const [a, b] = await Promise.all([first.get('beta'), first.get('beta')]);
    lines.push(`beta twice at once: ${outcome(a)}, same object: ${a === b}`);
    lines.push(`alpha, new cache, from disk: ${await attempt(() => second.get('alpha'))}`);
    lines.push(`missing: ${await attempt(() => first.get('missing'))}`);
    lines.push(`broken: ${await attempt(() => first.get('broken'))}`);
    lines.push(`HTTP requests: ${server.requests.join(' ')}`);
    lines.push(`files: ${(await readdir(dir)).sort().join(' ')}`);
  } finally {
    first.close();
    second.close();
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}
