/**
 * Runs first in each browser-suite bundle: starts mocha once the spec module
 * has registered its tests, and records the outcome of each for the driver.
 */
interface SuiteResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

interface MochaTest {
  fullTitle(): string;
}

declare const mocha: {
  run(done: (failures: number) => void): {
    on(event: string, listener: (test: MochaTest, error?: Error) => void): void;
  };
};

const results: SuiteResult[] = [];
const scope = window as unknown as { suiteResults?: { done: boolean; tests: SuiteResult[]; failures: number } };
scope.suiteResults = { done: false, tests: results, failures: 0 };

// A task later: the spec module (imported after this one) has registered its tests by then.
setTimeout(() => {
  const runner = mocha.run((failures) => {
    scope.suiteResults = { done: true, tests: results, failures };
  });
  runner.on('pass', (test) => results.push({ title: test.fullTitle(), state: 'passed' }));
  runner.on('fail', (test, error) =>
    results.push({ title: test.fullTitle(), state: 'failed', error: String(error?.stack ?? error) }),
  );
  runner.on('pending', (test) => results.push({ title: test.fullTitle(), state: 'pending' }));
}, 0);
