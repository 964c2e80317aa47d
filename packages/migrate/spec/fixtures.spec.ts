/**
 * Fixture pairs: spec/fixtures/<name>/ holds `input.<ext>`, the expected
 * `output.<ext>`, the expected `report.txt` (one `line: kind: message` per
 * flag) and, optionally, `options.json` (MigrateOptions). UPDATE_FIXTURES=1
 * rewrites the expected files from the tool's current output (review the diff).
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateSource, type MigrateOptions, type MigrateResult } from '../src/index.js';
import { fixturesDir } from './support.js';

function reportLines(flags: { line: number; kind: string; message: string }[]): string {
  return flags.map((flag) => `${flag.line}: ${flag.kind}: ${flag.message}\n`).join('');
}

describe('whirlwind migrate: fixtures (input, expected output, expected report)', () => {
  for (const name of readdirSync(fixturesDir).sort()) {
    const dir = join(fixturesDir, name);
    const inputName = readdirSync(dir).find((file) => file.startsWith('input.'));
    if (inputName === undefined) throw new Error(`fixture ${name} has no input file`);
    const ext = inputName.slice('input'.length);
    const input = readFileSync(join(dir, inputName), 'utf8');
    const options: MigrateOptions = existsSync(join(dir, 'options.json'))
      ? JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8'))
      : {};
    const file = `${name}${ext}`;

    describe(name, () => {
      let result: MigrateResult;
      before(() => {
        result = migrateSource(input, file, options);
        if (process.env.UPDATE_FIXTURES === '1') {
          writeFileSync(join(dir, `output${ext}`), result.output);
          writeFileSync(join(dir, 'report.txt'), reportLines(result.flags));
        }
      });

      it('gives the expected output', () => {
        expect(result.output).to.equal(readFileSync(join(dir, `output${ext}`), 'utf8'));
      });

      it('gives the expected report', () => {
        expect(reportLines(result.flags)).to.equal(readFileSync(join(dir, 'report.txt'), 'utf8'));
      });

      it('changes nothing when run again on its output, and reports the same flags', () => {
        const again = migrateSource(result.output, file, options);
        expect(again.output).to.equal(result.output);
        expect(again.converted).to.equal(0);
        expect(again.flags).to.deep.equal(result.flags);
      });
    });
  }
});
