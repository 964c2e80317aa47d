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
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { useFreshLoop } from './support/index.js';
import { codeLines, translationDifferences } from './support/translated-code.js';

interface DocBlock {
  page: string;
  line: number;
  module: string;
  run: boolean;
  code: string;
  expectedOutput: string | null;
}

/**
 * A translated page lives at the same path under docs/<language>/. Its code
 * blocks must be the English ones, except for comments and for the string
 * literals of lines marked `// i18n` (see spec/support/translated-code.ts).
 * `of` lists English pages, or folders (ending in /) whose every page is translated.
 */
const TRANSLATIONS = [
  {
    language: 'zh-CN',
    of: ['docs/guide/', 'docs/four-styles.md', 'docs/migrating.md', 'docs/tornado-to-whirlwind.md'],
  },
];

// dist/spec/docs.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifestPath = join(repositoryRoot, 'docs', 'generated', 'manifest.json');
const compiledBlocks = join(repositoryRoot, 'dist', 'docs', 'generated');

/** Seconds a block may take; docs examples sleep for fractions of a second at most. */
const BLOCK_TIMEOUT_SECONDS = 10;

function loadManifest(): DocBlock[] {
  if (!existsSync(manifestPath)) {
    throw new Error(
      `${manifestPath} is missing: run \`npm run build\` (it extracts the docs' code blocks) before mocha`,
    );
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
  const prose = markdown.replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, '');
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1].split('#')[0];
    if (target !== '' && !/^[a-z]+:/i.test(target)) targets.push(target);
  }
  return targets;
}

/** The renderings a glossary table lists in its `column` (cells separated by 、), e.g. the 术语表's 不用. */
function glossaryColumn(markdown: string, column: string): string[] {
  const found: string[] = [];
  let index = -1;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      index = -1;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells.includes(column)) index = cells.indexOf(column);
    else if (index >= 0 && !/^-+$/.test(cells[index] ?? '-'))
      found.push(...cells[index].split('、').filter((c) => c !== ''));
  }
  return found;
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

  it('uses one rendering per term on the Chinese pages: none that docs/zh-CN/glossary.md lists as avoided', () => {
    const glossaryPage = 'docs/zh-CN/glossary.md';
    const avoided = glossaryColumn(readFileSync(join(repositoryRoot, glossaryPage), 'utf8'), '不用');
    expect(avoided, 'the 不用 column of the 术语表').to.include('解析为');
    const found: string[] = [];
    for (const page of markdownPages().filter((p) => p.startsWith('docs/zh-CN/') && p !== glossaryPage)) {
      const text = readFileSync(join(repositoryRoot, page), 'utf8');
      for (const word of avoided) if (text.includes(word)) found.push(`${page}: ${word}`);
    }
    expect(found).to.deep.equal([]);
  });

  it('has no hard line break inside a Chinese paragraph (it renders as a stray space)', () => {
    const broken: string[] = [];
    for (const page of markdownPages().filter((p) => p.startsWith('docs/zh-CN/'))) {
      const lines = readFileSync(join(repositoryRoot, page), 'utf8')
        .replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, '')
        .split('\n');
      lines.forEach((line, index) => {
        const next = lines[index + 1] ?? '';
        const startsBlock = /^\s*([-*+>|#!<]|\d+\.|`{3})/.test(next);
        if (/\p{Script=Han}/u.test(line) && next.trim() !== '' && !startsBlock)
          broken.push(`${page}: ${line.slice(-20)}⏎${next.slice(0, 20)}`);
      });
    }
    expect(broken).to.deep.equal([]);
  });

  it('marks every link from a Chinese page to an English-only page with （英文）', () => {
    const unmarked: string[] = [];
    for (const page of markdownPages().filter((p) => p.startsWith('docs/zh-CN/'))) {
      const prose = readFileSync(join(repositoryRoot, page), 'utf8').replace(/^(`{3,}|~{3,})[^]*?^\1\s*$/gm, '');
      for (const [, image, text, target, mark] of prose.matchAll(/(!?)\[([^\]]*)\]\(([^)\s]+)\)(（英文）)?/g)) {
        const path = target.split('#')[0];
        if (image !== '' || path === '' || /^[a-z]+:/i.test(path)) continue;
        const resolved = join(dirname(page), decodeURI(path)).split(sep).join('/');
        const english = !resolved.startsWith('docs/zh-CN');
        if (english && mark === undefined && !text.includes('英文')) unmarked.push(`${page} -> ${target}`);
      }
    }
    expect(unmarked).to.deep.equal([]);
  });

  it('has the README tour in docs/zh-CN/README.md, with only comments translated', () => {
    const tourOf = (page: string) => blocks.find((b) => b.page === page)!.code;
    expect(translationDifferences(tourOf('README.md'), tourOf('docs/zh-CN/README.md'))).to.deep.equal([]);
  });

  for (const { language, of } of TRANSLATIONS) {
    const englishPages = markdownPages().filter((page) =>
      of.some((p) => (p.endsWith('/') ? page.startsWith(p) : page === p)),
    );
    it(`has a ${language} translation of ${of.join(', ')}`, () => {
      const missing = englishPages
        .map((page) => page.replace(/^docs\//, `docs/${language}/`))
        .filter((translated) => !existsSync(join(repositoryRoot, translated)));
      expect(missing, 'missing translations').to.deep.equal([]);
    });
    for (const page of englishPages) {
      const translated = page.replace(/^docs\//, `docs/${language}/`);
      it(`${translated} has the code blocks of ${page}, with only comments and marked strings translated`, () => {
        const original = blocks.filter((b) => b.page === page);
        const translation = blocks.filter((b) => b.page === translated);
        expect(translation.length, `number of code blocks in ${translated}`).to.equal(original.length);
        original.forEach((block, index) => {
          const other = translation[index];
          const where = `${translated}:${other.line} (English ${page}:${block.line})`;
          expect(translationDifferences(block.code, other.code), `code of ${where}`).to.deep.equal([]);
          expect(other.run, `no-run flag of ${where}`).to.equal(block.run);
          const translatesOutput = codeLines(other.code).some((line) => line.translatedStrings);
          if (!translatesOutput || block.expectedOutput === null || other.expectedOutput === null) {
            expect(other.expectedOutput, `output block of ${where}`).to.equal(block.expectedOutput);
          } else {
            // Both outputs are checked by running their blocks; a translation keeps their shape.
            expect(other.expectedOutput.split('\n').length, `output lines of ${where}`).to.equal(
              block.expectedOutput.split('\n').length,
            );
          }
        });
      });
    }
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
