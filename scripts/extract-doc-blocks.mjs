#!/usr/bin/env node
/**
 * Extracts every ```ts code block of docs/**\/*.md (and of README.md) into its own module under
 * docs/generated/ (git-ignored), so that `tsc -p tsconfig.json` type-checks
 * them with the rest of the project and spec/docs.spec.ts runs them.
 *
 * Conventions (documented for writers in docs/README.md):
 * - ```ts (or ```typescript): compiled and run; each block is a complete
 *   module with its own imports. `import ... from 'whirlwind'` resolves to
 *   this package through its own `exports` map.
 * - ```ts no-run: compiled, not run (it needs a network, or runs forever).
 * - a ```text output block right after a ts block: what the block must print
 *   with console.log, line for line; the spec compares.
 *
 * Each generated file keeps the Markdown line numbers (the code is preceded
 * by blank lines), so a tsc error at docs/generated/guide/02-futures.3.ts(45,7)
 * is at line 45 of docs/guide/02-futures.md.
 *
 * Plain JavaScript on purpose: it runs before tsc, so it cannot be TypeScript.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = join(root, 'docs');
const outDir = join(docsDir, 'generated');

const TS_LANGUAGES = new Set(['ts', 'typescript']);
const KNOWN_FLAGS = new Set(['no-run']);

/** Markdown files under `dir`, sorted, skipping the generated folder. */
function markdownFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== outDir) found.push(...markdownFiles(path));
    } else if (entry.name.endsWith('.md')) {
      found.push(path);
    }
  }
  return found;
}

/**
 * The fenced code blocks of a Markdown text, as CommonMark reads them: a
 * fence closes only with the same character at least as long, so a ```ts
 * shown inside a ````markdown block is not a block of its own.
 */
export function fencedBlocks(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open === null) {
      const match = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/.exec(line);
      if (match) {
        const [language = '', ...flags] = match[3].trim().split(/\s+/);
        open = { indent: match[1].length, fence: match[2], language, flags, startLine: i + 2, body: [] };
      }
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      blocks.push({ ...open, endLine: i + 1 });
      open = null;
      continue;
    }
    // Content lines lose up to the opening fence's indentation (blocks inside list items).
    const strip = Math.min(open.indent, line.length - line.trimStart().length);
    open.body.push(line.slice(strip));
  }
  return blocks;
}

function extract() {
  rmSync(outDir, { recursive: true, force: true });
  const manifest = [];
  const problems = [];
  // The README's examples are the first a user copies: they are held to the same rule.
  for (const file of [join(root, 'README.md'), ...markdownFiles(docsDir)]) {
    const page = relative(root, file).split(sep).join('/'); // README.md, docs/guide/02-futures.md
    const blocks = fencedBlocks(readFileSync(file, 'utf8'));
    let index = 0;
    blocks.forEach((block, i) => {
      if (!TS_LANGUAGES.has(block.language.toLowerCase())) return;
      index++;
      const unknown = block.flags.filter((flag) => !KNOWN_FLAGS.has(flag));
      if (unknown.length > 0) {
        problems.push(
          `${page}:${block.startLine - 1}: unknown code block flag ${unknown.join(' ')} (known: ${[...KNOWN_FLAGS].join(', ')})`,
        );
      }
      const next = blocks[i + 1];
      const expectedOutput =
        next !== undefined && next.language === 'text' && next.flags.includes('output') ? next.body.join('\n') : null;
      // docs/guide/02-futures.md -> guide/02-futures.3.ts; README.md -> root/README.1.ts (never clashes with docs/README.md).
      const module = `${page.startsWith('docs/') ? page.slice(5) : `root/${page}`}`.replace(/\.md$/, `.${index}.ts`);
      // Blank lines keep Markdown line numbers; `export {}` makes even an import-less block a module.
      const padding =
        `// Generated from ${page} by scripts/extract-doc-blocks.mjs; line numbers match the page.` +
        '\n'.repeat(block.startLine - 1);
      const source = `${padding}${block.body.join('\n')}\nexport {};\n`;
      mkdirSync(dirname(join(outDir, module)), { recursive: true });
      writeFileSync(join(outDir, module), source);
      manifest.push({
        page,
        line: block.startLine - 1,
        module: module.replace(/\.ts$/, '.js'),
        run: !block.flags.includes('no-run'),
        code: block.body.join('\n'),
        expectedOutput,
      });
    });
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) extract();
