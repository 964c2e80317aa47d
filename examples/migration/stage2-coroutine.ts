/**
 * Stage 2 of docs/migrating.md: the loading steps as one `gen.coroutine`.
 * Each `yield` waits for a Future; errors arrive at the `yield` as
 * exceptions, so the steps read top to bottom with ordinary try/catch.
 */
import { readFile, writeFile } from 'node:fs';
import { join } from 'node:path';
import { Future, gen } from 'whirlwind';
import { AsyncHTTPClient, type HTTPResponse } from 'whirlwind/httpclient';

export interface PackageInfo {
  name: string;
  version: string;
}

export class PackageCache {
  private readonly memory = new Map<string, PackageInfo>();
  private readonly inFlight = new Map<string, Future<PackageInfo>>();
  private readonly http = new AsyncHTTPClient();

  constructor(
    private readonly dir: string,
    private readonly baseUrl: string,
  ) {}

  get(name: string): Future<PackageInfo> {
    const cached = this.memory.get(name);
    if (cached !== undefined) return gen.maybeFuture(cached) as Future<PackageInfo>;
    let pending = this.inFlight.get(name);
    if (pending === undefined) {
      pending = this.load(name);
      this.inFlight.set(name, pending);
      pending.addDoneCallback(() => this.inFlight.delete(name));
    }
    return pending;
  }

  private readonly load = gen.coroutine(function* (this: PackageCache, name: string) {
    const file = join(this.dir, `${name}.json`);
    let text: string;
    try {
      text = yield gen.Task(readFile, file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const response: HTTPResponse = yield this.http.fetch(`${this.baseUrl}/${name}`, { raiseError: false });
      if (response.code !== 200) throw new Error(`HTTP ${response.code} for /${name}`);
      text = response.body.toString('utf8');
      JSON.parse(text); // only valid entries are saved
      yield gen.Task(writeFile, file, text);
    }
    const info = JSON.parse(text) as PackageInfo;
    this.memory.set(name, info);
    return info;
  });

  close(): void {
    this.http.close();
  }
}
