/**
 * Stage 1 of docs/migrating.md: the same cache returning Futures. The fs
 * calls go through `gen.Task`, HTTP through `AsyncHTTPClient`; one shared
 * Future replaces the list of waiting callbacks. The steps still nest.
 */
import { readFile, writeFile } from 'node:fs';
import { join } from 'node:path';
import { Future, gen } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

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
    const pending = this.inFlight.get(name);
    if (pending !== undefined) return pending;
    const result = new Future<PackageInfo>();
    this.inFlight.set(name, result);
    result.addDoneCallback((done) => {
      this.inFlight.delete(name);
      if (done.exception() === null) this.memory.set(name, done.result());
    });
    const fail = (error: unknown) => result.setException(error);
    const succeedWith = (text: string) => {
      try {
        result.setResult(JSON.parse(text) as PackageInfo);
      } catch (error) {
        fail(error);
      }
    };
    const file = join(this.dir, `${name}.json`);
    gen.Task(readFile, file, 'utf8').addDoneCallback((read) => {
      const readError = read.exception() as NodeJS.ErrnoException | null;
      if (readError === null) return succeedWith(read.result() as string);
      if (readError.code !== 'ENOENT') return fail(readError);
      this.http.fetch(`${this.baseUrl}/${name}`, { raiseError: false }).addDoneCallback((fetched) => {
        if (fetched.exception() !== null) return fail(fetched.exception());
        const response = fetched.result();
        if (response.code !== 200) return fail(new Error(`HTTP ${response.code} for /${name}`));
        const body = response.body.toString('utf8');
        try {
          JSON.parse(body); // only valid entries are saved
        } catch (error) {
          return fail(error);
        }
        gen.Task(writeFile, file, body).addDoneCallback((written) => {
          if (written.exception() !== null) fail(written.exception());
          else succeedWith(body);
        });
      });
    });
    return result;
  }

  close(): void {
    this.http.close();
  }
}
