/**
 * Stage 0 of docs/migrating.md: a package-info cache written with callbacks.
 * `get(name, callback)` answers from memory, else from `<dir>/<name>.json`,
 * else fetches `<baseUrl>/<name>` and saves it; concurrent gets of one name
 * share one read or fetch.
 */
import { readFile, writeFile } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';

export interface PackageInfo {
  name: string;
  version: string;
}

export type Callback<T> = (error: Error | null, value?: T) => void;

/** GETs `url`; calls back with the body text, or an error for a status other than 200. */
function fetchText(url: string, callback: Callback<string>): void {
  httpGet(url, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', callback);
    response.on('end', () => {
      if (response.statusCode !== 200) callback(new Error(`HTTP ${response.statusCode} for ${new URL(url).pathname}`));
      else callback(null, Buffer.concat(chunks).toString('utf8'));
    });
  }).on('error', callback);
}

/** JSON.parse with the error going to the callback instead of up the stack. */
function parseInfo(text: string, callback: Callback<PackageInfo>): void {
  let info: PackageInfo;
  try {
    info = JSON.parse(text) as PackageInfo;
  } catch (error) {
    return callback(error as Error);
  }
  callback(null, info);
}

export class PackageCache {
  private readonly memory = new Map<string, PackageInfo>();
  private readonly waiting = new Map<string, Callback<PackageInfo>[]>();

  constructor(
    private readonly dir: string,
    private readonly baseUrl: string,
  ) {}

  get(name: string, callback: Callback<PackageInfo>): void {
    const cached = this.memory.get(name);
    if (cached !== undefined) {
      process.nextTick(callback, null, cached); // never call back synchronously
      return;
    }
    const waiters = this.waiting.get(name);
    if (waiters !== undefined) {
      waiters.push(callback);
      return;
    }
    this.waiting.set(name, [callback]);
    const done: Callback<PackageInfo> = (error, info) => {
      const callbacks = this.waiting.get(name)!;
      this.waiting.delete(name);
      if (info !== undefined) this.memory.set(name, info);
      for (const waiter of callbacks) waiter(error, info);
    };
    const file = join(this.dir, `${name}.json`);
    readFile(file, 'utf8', (readError, text) => {
      if (readError === null) return parseInfo(text, done);
      if (readError.code !== 'ENOENT') return done(readError);
      fetchText(`${this.baseUrl}/${name}`, (fetchError, body) => {
        if (fetchError !== null) return done(fetchError);
        parseInfo(body!, (parseError, info) => {
          if (parseError !== null) return done(parseError);
          writeFile(file, body!, (writeError) => done(writeError, writeError === null ? info : undefined));
        });
      });
    });
  }
}
