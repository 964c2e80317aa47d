/**
 * `whirlwind migrate [--dry-run] [--report text|json] [--native-multi] [--keep-future] <paths...>`
 */
import { createTwoFilesPatch } from 'diff';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { MigrateParseError, SOURCE_EXTENSIONS } from './parse.js';
import { exitStatus, formatJson, formatText, summarize, type ErrorReport, type FileReport } from './report.js';
import { migrateSource, type MigrateOptions } from './transform.js';

export const USAGE = `Usage: whirlwind migrate [options] <paths...>

Rewrites generator coroutines (gen.coroutine, @coroutine, co, co.wrap) in the
.ts, .mts, .cts, .js, .mjs and .cjs files under <paths> into async functions, and
marks every spot where the result can behave differently with a
"// whirlwind-migrate:" comment and a line in the report.

Options:
  --dry-run          change no file; print a unified diff (the report goes to stderr)
  --report <format>  text (default) or json
  --native-multi     yield [a, b] becomes await Promise.all([a, b]) (flagged), not gen.multi
  --keep-future      a coroutine whose result is used as a Future stays wrapped in gen.coroutine
  -h, --help         this text

Exit status: 0 when everything was converted without flags, 1 when flags were
emitted (or are still in the files), 2 when a file could not be parsed (then no
file is written).
`;

export interface CliOptions extends MigrateOptions {
  dryRun: boolean;
  report: 'text' | 'json';
  paths: string[];
}

export class UsageError extends Error {}

export function parseArguments(args: readonly string[]): CliOptions | 'help' {
  const options: CliOptions = { dryRun: false, report: 'text', paths: [], nativeMulti: false, keepFuture: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--native-multi') options.nativeMulti = true;
    else if (arg === '--keep-future') options.keepFuture = true;
    else if (arg === '--report' || arg.startsWith('--report=')) {
      const value = arg === '--report' ? args[++i] : arg.slice('--report='.length);
      if (value !== 'text' && value !== 'json') {
        throw new UsageError(
          `--report expects text or json, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
        );
      }
      options.report = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) throw new UsageError('no paths given: name the files or folders to migrate');
  return options;
}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist']);

/** The source files under `path`, sorted; a file named directly is taken whatever its extension. */
export function sourceFiles(path: string): string[] {
  const stats = statSync(path);
  if (!stats.isDirectory()) return [path];
  const found: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) found.push(...sourceFiles(child));
    } else if (
      (SOURCE_EXTENSIONS as readonly string[]).includes(extname(entry.name)) &&
      !/\.d\.[mc]?ts$/.test(entry.name)
    ) {
      found.push(child);
    }
  }
  return found;
}

function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return (shown.startsWith('..') ? file : shown).split(sep).join('/');
}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs the command; resolves with its exit status. */
export function main(args: readonly string[], io: Io = defaultIo): number {
  let options: CliOptions | 'help';
  try {
    options = parseArguments(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`whirlwind migrate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const files: FileReport[] = [];
  const errors: ErrorReport[] = [];
  const outputs = new Map<string, { before: string; after: string }>();
  for (const path of options.paths) {
    let found: string[];
    try {
      found = sourceFiles(path);
    } catch (error) {
      errors.push({ file: path, message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    for (const file of found) {
      const shown = displayPath(file);
      const before = readFileSync(file, 'utf8');
      try {
        const result = migrateSource(before, shown, options);
        files.push({ file: shown, changed: result.changed, converted: result.converted, flags: result.flags });
        if (result.changed) outputs.set(file, { before, after: result.output });
      } catch (error) {
        if (error instanceof MigrateParseError) {
          errors.push({
            file: shown,
            line: error.line,
            column: error.column,
            message: `cannot parse: ${error.reason}`,
          });
        } else {
          errors.push({ file: shown, message: (error as Error).message });
        }
      }
    }
  }
  const write = !options.dryRun && errors.length === 0;
  if (write) for (const [file, { after }] of outputs) writeFileSync(file, after);
  if (options.dryRun) {
    for (const [file, { before, after }] of outputs) {
      const shown = displayPath(file);
      io.stdout(createTwoFilesPatch(`a/${shown}`, `b/${shown}`, before, after, undefined, undefined, { context: 3 }));
    }
  }
  const report = summarize(files, errors, write);
  const text = options.report === 'json' ? formatJson(report) : formatText(report);
  (options.dryRun ? io.stderr : io.stdout)(text);
  return exitStatus(report);
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
