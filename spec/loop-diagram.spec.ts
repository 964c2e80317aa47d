import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// dist/spec/loop-diagram.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LoopDiagramScript {
  loopDiagramSvg(language: string): string;
  DIAGRAM_FILES: Record<string, string>;
}

const script = (await import(
  pathToFileURL(join(repositoryRoot, 'scripts', 'loop-diagram.mjs')).href
)) as LoopDiagramScript;

describe('the loop-iteration diagram (scripts/loop-diagram.mjs)', () => {
  for (const [language, file] of Object.entries(script.DIAGRAM_FILES)) {
    it(`is checked in at ${file} exactly as the script draws it in ${language} (else run node scripts/loop-diagram.mjs)`, () => {
      expect(readFileSync(join(repositoryRoot, file), 'utf8')).to.equal(script.loopDiagramSvg(language));
    });
  }

  it('is shown by the guide page of each language', () => {
    expect(readFileSync(join(repositoryRoot, 'docs/guide/02-futures.md'), 'utf8')).to.include(
      '](../loop-iteration.svg)',
    );
    expect(readFileSync(join(repositoryRoot, 'docs/zh-CN/guide/02-futures.md'), 'utf8')).to.include(
      '](../loop-iteration.svg)',
    );
  });

  it('refuses a language it has no labels for, naming it', () => {
    expect(() => script.loopDiagramSvg('fr')).to.throw(/no labels for language fr/);
  });
});
