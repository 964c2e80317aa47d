/**
 * Runs every ```ts block of docs/ and README.md (see docs/README.md for the conventions).
 * `npm run build` extracts the blocks into docs/generated/ and tsc compiles
 * them with everything else, so a block that does not type-check already
 * failed the build; here each one is imported (its top-level code and
 * top-level awaits run) on a fresh IOLoop, and what it prints is compared
 * with the ```text output block that follows it, if any.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { useFreshLoop } from './support/index.js';

interface DocBlock {
  page: string;
  line: number;
  module: string;
  run: boolean;
  code: string;
  expectedOutput: string | null;
}

/** A translated page lives at the same path under docs/<language>/; these must keep the English code blocks. */
const TRANSLATIONS = [{ language: 'zh-CN', of: 'docs/guide/' }];

// dist/spec/docs.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifestPath = join(repositoryRoot, 'docs', 'generated', 'manifest.json');
const compiledBlocks = join(repositoryRoot, 'dist', 'docs', 'generated');

/** Seconds a block may take; docs examples sleep for fractions of a second at most. */
const BLOCK_TIMEOUT_SECONDS = 10;

function loadManifest(): DocBlock[] {
  if (!existsSync(manifestPath)) {
    throw new Error(`${manifestPath} is missing: run \`npm run build\` (it extracts the docs' code blocks) before mocha`);
  }
  return JSON.parse(readFileSync(manifestPath, 'utf8')) as DocBlock[];
}

/** Imports a compiled block with console.log captured; resolves with what it printed. */
async function runBlock(block: DocBlock): Promise<string[]> {
  const printed: string[] = [];
  const realLog = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(...format(...args).split('\n'));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  // With source maps on while the block loads and fails, its stack frames
  // point at docs/generated/<page>.<n>.ts, whose line numbers are the page's.
  process.setSourceMapsEnabled(true);
  try {
    const imported = import(pathToFileURL(join(compiledBlocks, block.module)).href) as Promise<{ default?: unknown }>;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${block.page}:${block.line} did not finish within ${BLOCK_TIMEOUT_SECONDS} s`)),
        BLOCK_TIMEOUT_SECONDS * 1000,
      );
    });
    const module = await Promise.race([imported, timedOut]);
    // A block may also export a function as its entry point.
    if (typeof module.default === 'function') await Promise.race([module.default(), timedOut]);
  } catch (error) {
    void (error as Error | undefined)?.stack; // V8 formats the stack on first access: do it while mapped
    throw error;
  } finally {
    process.setSourceMapsEnabled(false);
    clearTimeout(timer);
    console.log = realLog;
  }
  return printed;
}

/** README.md and every Markdown page under docs/ (not the generated folder), relative to the root. */
function markdownPages(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repositoryRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && path !== 'docs/generated') walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found.sort();
}

/** Relative link targets of a Markdown page (outside code blocks), without their #anchor. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(`{3,}|~{3,})[^]*?^\1\s*$/gm, '');
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1].split('#')[0];
    if (target !== '' && !/^[a-z]+:/i.test(target)) targets.push(target);
  }
  return targets;
}

const blocks = loadManifest();
const pages = [...new Set(blocks.map((block) => block.page))];

describe('the code blocks in docs/ and README.md', function () {
  this.timeout((BLOCK_TIMEOUT_SECONDS + 5) * 1000);

  it('were extracted (docs/generated/manifest.json lists at least one block)', () => {
    expect(blocks.length).to.be.greaterThan(0);
  });

  it('has no relative link to a file that does not exist (README.md and docs/)', () => {
    const broken: string[] = [];
    for (const page of markdownPages()) {
      for (const target of relativeLinks(readFileSync(join(repositoryRoot, page), 'utf8'))) {
        if (!existsSync(join(repositoryRoot, dirname(page), decodeURI(target)))) broken.push(`${page} -> ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  for (const { language, of } of TRANSLATIONS) {
    const englishPages = pages.filter((page) => page.startsWith(of));
    it(`has a ${language} translation of every page of ${of}, with the same code blocks`, () => {
      const missing: string[] = [];
      for (const page of englishPages) {
        const translated = page.replace(/^docs\//, `docs/${language}/`);
        const blocksOf = (p: string) =>
          blocks.filter((b) => b.page === p).map(({ code, run, expectedOutput }) => ({ code, run, expectedOutput }));
        if (!pages.includes(translated)) missing.push(translated);
        else expect(blocksOf(translated), `code blocks of ${translated}`).to.deep.equal(blocksOf(page));
      }
      expect(missing, 'missing translations').to.deep.equal([]);
    });
  }

  for (const page of pages) {
    describe(page, () => {
      useFreshLoop();

      for (const block of blocks.filter((b) => b.page === page && b.run)) {
        const name =
          block.expectedOutput === null
            ? `runs the block at line ${block.line}`
            : `runs the block at line ${block.line} and prints its output block`;
        it(name, async () => {
          const printed = await runBlock(block);
          if (block.expectedOutput !== null) {
            expect(printed.join('\n').trimEnd(), `output of ${block.page}:${block.line}`).to.equal(
              block.expectedOutput.trimEnd(),
            );
          }
        });
      }
    });
  }
});
