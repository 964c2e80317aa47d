/** Paths shared by the specs: they run from dist/spec/, the fixtures stay in spec/. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/migrate/ */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The repository's root. */
export const repositoryRoot = join(packageRoot, '..', '..');
export const fixturesDir = join(packageRoot, 'spec', 'fixtures');
