/**
 * Parsing with @babel/parser: TypeScript for .ts/.mts/.cts, plain JavaScript
 * for .js/.mjs/.cjs. Only the AST's positions are used; the output is made by
 * splicing the original text (see edits.ts), so nothing is reprinted.
 */
import { parse as babelParse, type ParserPlugin } from '@babel/parser';
import type * as t from '@babel/types';
import { extname } from 'node:path';

/** Extensions the command reads; anything else is skipped when walking a folder. */
export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** A syntax error, with the file and the 1-based line and column where the parser stopped. */
export class MigrateParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: cannot parse: ${reason}`);
    this.name = 'MigrateParseError';
  }
}

/** A token as @babel/parser reports it (with `tokens: true`). */
export interface Token {
  type: { label: string } | string;
  value?: unknown;
  start: number;
  end: number;
}

export interface Parsed {
  program: t.Program;
  comments: t.Comment[];
  tokens: Token[];
}

export function isTypeScriptFile(file: string): boolean {
  return ['.ts', '.mts', '.cts'].includes(extname(file));
}

/** Parses `text` as the language its file name says; throws MigrateParseError. */
export function parseSource(text: string, file: string): Parsed {
  const ext = extname(file);
  const plugins: ParserPlugin[] = isTypeScriptFile(file) ? ['typescript', 'decorators-legacy'] : ['decorators-legacy'];
  try {
    const ast = babelParse(text, {
      sourceType: ext === '.mjs' || ext === '.mts' || ext === '.ts' ? 'module' : 'unambiguous',
      plugins,
      tokens: true,
      allowReturnOutsideFunction: ext === '.cjs' || ext === '.js',
      errorRecovery: false,
    });
    return { program: ast.program, comments: ast.comments ?? [], tokens: (ast.tokens ?? []) as Token[] };
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    const reason = String((error as Error).message).replace(/ \(\d+:\d+\)$/, '');
    throw new MigrateParseError(file, loc?.line ?? 1, (loc?.column ?? 0) + 1, reason);
  }
}

export function tokenLabel(token: Token): string {
  return typeof token.type === 'string' ? token.type : token.type.label;
}
