#!/usr/bin/env node
// Builds the runner playground into docs/playground/: the page (CodeMirror 6
// and the UI) and the Worker (the portable whirlwind core and the recorder),
// bundled and minified with esbuild, plus the HTML and CSS. Prints what the
// page weighs, raw and gzipped.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../docs/playground');

// esbuild strips types without checking them: check the page and the Worker first.
execFileSync(process.execPath, [join(here, '../../node_modules/typescript/bin/tsc'), '-p', here], { stdio: 'inherit' });
await mkdir(out, { recursive: true });
const common = {
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'browser',
  logLevel: 'warning',
  legalComments: 'none',
  keepNames: true,
};
await build({ ...common, entryPoints: [join(here, 'app.ts')], outfile: join(out, 'playground.js') });
// The Worker runs the core as a browser bundler sees the package: `#platform`
// resolves through package.json's imports to the portable module.
await build({ ...common, entryPoints: [join(here, 'worker.ts')], outfile: join(out, 'worker.js') });
for (const file of ['index.html', 'playground.css']) await copyFile(join(here, file), join(out, file));

const files = ['index.html', 'playground.css', 'playground.js', 'worker.js'];
let total = 0;
let gzipped = 0;
const rows = [];
for (const file of files) {
  const bytes = await readFile(join(out, file));
  const packed = gzipSync(bytes, { level: 9 }).length;
  total += bytes.length;
  gzipped += packed;
  rows.push({ file, bytes: bytes.length, gzip: packed });
}
await writeFile(join(out, 'weight.json'), JSON.stringify({ files: rows, total, gzip: gzipped }, null, 2) + '\n');
for (const row of rows)
  console.log(`  ${row.file.padEnd(16)} ${String(row.bytes).padStart(8)} B  ${String(row.gzip).padStart(7)} B gzip`);
console.log(`playground: docs/playground/ ${total} B, ${gzipped} B gzip`);
