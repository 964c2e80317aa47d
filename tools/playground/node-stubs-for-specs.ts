/**
 * For specs bundled for the browser: the `node:async_hooks` and
 * `node:inspector` names a spec file imports, so the file loads; the tests
 * that use them are left out of the browser run (NODE_ONLY_SUITES in
 * build-browser-suite.mjs). `node:util` maps to the portable inspect.
 */
export class AsyncLocalStorage<T> {
  getStore(): T | undefined {
    return undefined;
  }
  run(): never {
    throw new Error('AsyncLocalStorage needs Node.js: this suite does not run in the browser');
  }
}

/** The V8 inspector is Node's: a spec that opens a session is left out of the browser run. */
export class Session {
  constructor() {
    throw new Error('node:inspector needs Node.js: this test does not run in the browser');
  }
}
