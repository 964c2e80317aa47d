/**
 * The behaviour changes the migration flags. Each flag is a
 * `// whirlwind-migrate: <kind>: <message>` comment above the code it is
 * about and a line in the report; the docs chapter explains how to resolve
 * each kind.
 */
export const FLAG_KINDS = [
  'catch-return',
  'fast-path',
  'interleaving',
  'bad-yield',
  'generator',
  'thunk',
  'moment',
  'yield-nothing',
  'cancel',
  'quiet-exceptions',
  'return-value',
  'future-use',
  'native-multi',
  'unconverted',
] as const;

export type FlagKind = (typeof FLAG_KINDS)[number];

/** A flag as the report gives it: `line` is the line of the code below the comment (1-based). */
export interface Flag {
  kind: FlagKind;
  line: number;
  message: string;
}

export const FLAG_PREFIX = '// whirlwind-migrate:';

const FLAG_LINE = /^\s*\/\/ whirlwind-migrate: ([a-z-]+): (.*)$/;

/** The flag comments of a text, each with the line of the code it stands above. */
export function flagsInText(text: string): Flag[] {
  const lines = text.split('\n');
  const flags: Flag[] = [];
  lines.forEach((content, index) => {
    const match = FLAG_LINE.exec(content);
    if (!match || !(FLAG_KINDS as readonly string[]).includes(match[1])) return;
    let code = index + 1;
    while (code < lines.length && FLAG_LINE.test(lines[code])) code++;
    flags.push({ kind: match[1] as FlagKind, line: code + 1, message: match[2].trimEnd() });
  });
  return flags;
}
