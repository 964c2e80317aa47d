/** The report of a run, as text for people or JSON for tools. */
import type { Flag } from './flags.js';

export interface FileReport {
  file: string;
  changed: boolean;
  converted: number;
  flags: Flag[];
}

export interface ErrorReport {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface Report {
  files: FileReport[];
  errors: ErrorReport[];
  summary: { files: number; changed: number; converted: number; flags: number; errors: number; written: boolean };
}

export function summarize(files: FileReport[], errors: ErrorReport[], written: boolean): Report {
  return {
    files,
    errors,
    summary: {
      files: files.length,
      changed: files.filter((f) => f.changed).length,
      converted: files.reduce((sum, f) => sum + f.converted, 0),
      flags: files.reduce((sum, f) => sum + f.flags.length, 0),
      errors: errors.length,
      written,
    },
  };
}

/** 0: everything converted without flags; 1: flags to resolve; 2: a file could not be parsed. */
export function exitStatus(report: Report): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  return report.summary.flags > 0 ? 1 : 0;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatText(report: Report): string {
  const lines: string[] = [];
  for (const error of report.errors) {
    const at = error.line === undefined ? error.file : `${error.file}:${error.line}:${error.column}`;
    lines.push(`${at}: error: ${error.message}`);
  }
  for (const file of report.files) {
    if (!file.changed && file.flags.length === 0) continue;
    lines.push(`${file.file}: ${plural(file.converted, 'coroutine')} converted, ${plural(file.flags.length, 'flag')}`);
    for (const flag of file.flags) lines.push(`  ${file.file}:${flag.line}: ${flag.kind}: ${flag.message}`);
  }
  const { summary } = report;
  const outcome = summary.errors > 0 ? 'nothing written' : summary.written ? 'written' : 'dry run, nothing written';
  lines.push(
    `${plural(summary.files, 'file')} read, ${summary.changed} changed, ${plural(summary.converted, 'coroutine')} converted, ` +
      `${plural(summary.flags, 'flag')}, ${plural(summary.errors, 'parse error')} (${outcome})`,
  );
  return lines.join('\n') + '\n';
}

export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
