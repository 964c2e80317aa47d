/**
 * whirlwind-migrate: the `whirlwind migrate` command and its rewrite as a
 * function, for tools that want it without the command line.
 *
 * @example
 * ```ts
 * import { migrateSource } from 'whirlwind-migrate';
 * const { output, flags } = migrateSource(text, 'src/cache.ts', { keepFuture: true });
 * ```
 * @module
 */
export { migrateSource, type MigrateOptions, type MigrateResult } from './transform.js';
export { FLAG_KINDS, flagsInText, type Flag, type FlagKind } from './flags.js';
export { MigrateParseError } from './parse.js';
export { main, USAGE } from './cli.js';
export { exitStatus, formatJson, formatText, type Report } from './report.js';
