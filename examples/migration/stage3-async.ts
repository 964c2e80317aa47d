/**
 * Stage 3 of docs/migrating.md: native async/await. `fs/promises` replaces
 * `gen.Task`, and `await` takes whirlwind Futures (the HTTP client's) as
 * readily as Promises; the cache now hands out Promises.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

export interface PackageInfo {
  name: string;
  version: string;
}

export class PackageCache {
  private readonly memory = new Map<string, PackageInfo>();
  private readonly inFlight = new Map<string, Promise<PackageInfo>>();
  private readonly http = new AsyncHTTPClient();

  constructor(
    private readonly dir: string,
    private readonly baseUrl: string,
  ) {}

  get(name: string): Promise<PackageInfo> {
    const cached = this.memory.get(name);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(name);
    if (pending === undefined) {
      pending = this.load(name).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  private async load(name: string): Promise<PackageInfo> {
    const file = join(this.dir, `${name}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const response = await this.http.fetch(`${this.baseUrl}/${name}`, { raiseError: false });
      if (response.code !== 200) throw new Error(`HTTP ${response.code} for /${name}`);
      text = response.body.toString('utf8');
      JSON.parse(text); // only valid entries are saved
      await writeFile(file, text);
    }
    const info = JSON.parse(text) as PackageInfo;
    this.memory.set(name, info);
    return info;
  }

  close(): void {
    this.http.close();
  }
}
