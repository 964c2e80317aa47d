#!/usr/bin/env node
// Builds a representative part of the core's spec suite (runner contract,
// multi, timeouts, locks, queues, trace) for the browser, against the
// portable core: one bundle per spec file, made from the compiled specs and
// lib in dist/ (run tsc first) as a browser bundler would make it, so
// `#platform` resolves through package.json's imports to the portable
// module. index.html?spec=NAME runs one with mocha's browser build and
// leaves the results in `window.suiteResults`.
// Usage: node tools/playground/build-browser-suite.mjs [OUTDIR]
import { build } from 'esbuild';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

/** The spec files that run in the browser, by what they specify. */
export const BROWSER_SPECS = {
  'gen-runner': 'the runner contract',
  'gen-multi': 'multi',
  'gen-timeout': 'timeouts',
  locks: 'locks',
  queues: 'queues',
  trace: 'trace',
};

/** Describe blocks left out in the browser, each for a reason the tests name. */
export const NODE_ONLY_SUITES = [
  { title: 'AsyncLocalStorage context', why: 'no async context to propagate outside Node' },
  {
    title: 'gives its Future one name, Coroutine, in constructor.name, toString, util.inspect and the debugger',
    why: 'it asks the V8 inspector (node:inspector), which only Node has',
  },
  {
    title: 'names what the trap threw when a Proxy cannot be inspected',
    why: "Node's inspect shows a Proxy's target without running its traps; web standards cannot",
  },
];

export async function buildBrowserSuite(out) {
  await mkdir(out, { recursive: true });
  const setup = join(here, 'suite-setup.ts');
  const entryPoints = [];
  for (const name of Object.keys(BROWSER_SPECS)) {
    const entry = join(out, `entry-${name}.js`);
    await writeFile(
      entry,
      `import ${JSON.stringify(setup)};\nimport ${JSON.stringify(join(root, 'dist/spec', `${name}.spec.js`))};\n`,
    );
    entryPoints.push({ in: entry, out: name });
  }
  await build({
    entryPoints,
    outdir: out,
    platform: 'browser',
    // Only specs import these (lib/ goes through #platform): stand-ins that load.
    alias: {
      'node:async_hooks': join(here, 'node-stubs-for-specs.ts'),
      'node:inspector': join(here, 'node-stubs-for-specs.ts'),
      'node:util': join(root, 'dist/lib/internal/portable-inspect.js'),
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
    keepNames: true,
    // The package marks lib/ as free of side effects; spec files are nothing but side effects.
    ignoreAnnotations: true,
  });
  await copyFile(join(root, 'node_modules/mocha/mocha.js'), join(out, 'mocha.js'));
  const grep = NODE_ONLY_SUITES.map((s) => s.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  await writeFile(
    join(out, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>whirlwind core suite</title><link rel="icon" href="data:,">
<div id="mocha"></div>
<script src="mocha.js"></script>
<script>mocha.setup({ ui: 'bdd', timeout: 20000, grep: new RegExp(${JSON.stringify(grep)}), invert: true });</script>
<script type="module">
const spec = new URLSearchParams(location.search).get('spec');
if (!/^[a-z-]+$/.test(spec ?? '')) throw new Error('index.html?spec=NAME');
await import('./' + spec + '.js');
</script>
`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(root, 'dist/browser-suite');
  await buildBrowserSuite(out);
  console.log(`browser suite: ${out}/index.html?spec=NAME`);
}
