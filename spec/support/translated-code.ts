/**
 * How a translated page's code block is compared with the English one: the
 * code must be the same, but comments may be translated, and so may the
 * text of string literals on a line the translation marks with the
 * comment `// i18n` (a printed sentence the reader should read in their
 * language). Everything else — every identifier, operator, number and
 * unmarked string — must match, line for line, so a translated example
 * cannot drift from the English one that the tests also run.
 */

/** The comment a translated page puts at the end of a line whose string literals it translated. */
export const TRANSLATED_STRINGS_MARKER = 'i18n';

/** One line of code with its comments removed. */
export interface CodeLine {
  /** The code as written, comments removed, trailing spaces trimmed. */
  text: string;
  /** The same with the contents of every string and template literal replaced by `…`. */
  masked: string;
  /** The line ends with the `// i18n` comment. */
  translatedStrings: boolean;
}

const KEYWORDS_BEFORE_REGEX = new Set([
  'return',
  'typeof',
  'instanceof',
  'case',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'yield',
  'await',
  'else',
  'do',
]);

/**
 * Splits TypeScript source into lines without comments, dropping lines left
 * empty. A small scanner rather than a regular expression, because `//`
 * and `/*` inside strings, template literals and regular expressions are
 * not comments.
 */
export function codeLines(source: string): CodeLine[] {
  const lines: CodeLine[] = [];
  let text = '';
  let masked = '';
  let translatedStrings = false;
  /** The last character of code (not space, not comment) seen: decides whether `/` starts a regex. */
  let previous = '';
  let previousWord = '';
  /** Open template literals: the `${` depth at which each one's text resumes. */
  const templates: number[] = [];
  let braceDepth = 0;

  const emit = (code: string, maskedCode = code) => {
    text += code;
    masked += maskedCode;
  };
  const endLine = () => {
    if (text.trim() !== '') lines.push({ text: text.trimEnd(), masked: masked.trimEnd(), translatedStrings });
    text = masked = '';
    translatedStrings = false;
  };
  /** Remembers the end of the line's code so far, to tell a regex from a division. */
  const noteCode = (code: string) => {
    const last = code.trimEnd();
    if (last === '') return;
    previous = last[last.length - 1];
    const word = /[A-Za-z_$][\w$]*$/.exec(last);
    previousWord = word === null ? '' : word[0];
  };

  /** Reads string or template text from `start` (just after the quote) up to the closing `quote` or `${`. */
  const readQuoted = (start: number, quote: string): number => {
    let i = start;
    while (i < source.length) {
      const char = source[i];
      if (char === '\\') {
        i += 2;
        continue;
      }
      if (char === quote) return i;
      if (quote === '`' && char === '$' && source[i + 1] === '{') return i;
      if (char === '\n' && quote !== '`') return i; // an unterminated string ends at the line
      i++;
    }
    return i;
  };

  /** Emits literal text, keeping line breaks (template literals span lines). */
  const emitLiteralText = (literal: string) => {
    const parts = literal.split('\n');
    parts.forEach((part, index) => {
      if (index > 0) endLine();
      emit(part, part === '' ? '' : '…');
    });
  };

  let i = 0;
  while (i < source.length) {
    const char = source[i];
    const next = source[i + 1];
    if (char === '\n') {
      endLine();
      i++;
    } else if (char === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const comment = source.slice(i + 2, end === -1 ? source.length : end);
      if (comment.trim() === TRANSLATED_STRINGS_MARKER) translatedStrings = true;
      i = end === -1 ? source.length : end;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const comment = source.slice(i, end === -1 ? source.length : end + 2);
      for (let n = comment.split('\n').length - 1; n > 0; n--) endLine();
      i = end === -1 ? source.length : end + 2;
    } else if (char === "'" || char === '"') {
      const end = readQuoted(i + 1, char);
      emit(char);
      emitLiteralText(source.slice(i + 1, end));
      if (source[end] === char) emit(char);
      previous = char;
      previousWord = '';
      i = source[end] === char ? end + 1 : end;
    } else if (
      char === '`' ||
      (char === '}' && templates.length > 0 && templates[templates.length - 1] === braceDepth)
    ) {
      // Opening a template, or closing one of its `${ ... }` holes: template text follows.
      if (char === '}') {
        templates.pop();
        braceDepth--;
      }
      const end = readQuoted(i + 1, '`');
      emit(char);
      emitLiteralText(source.slice(i + 1, end));
      if (source[end] === '`') {
        emit('`');
        i = end + 1;
      } else if (source[end] === '$') {
        emit('${');
        braceDepth++;
        templates.push(braceDepth);
        i = end + 2;
      } else {
        i = end;
      }
      previous = '`';
      previousWord = '';
    } else if (
      char === '/' &&
      (previous === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(previous) || KEYWORDS_BEFORE_REGEX.has(previousWord))
    ) {
      // A regular expression literal: its text is code, but a `//` inside it is not a comment.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n') {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        else if (source[j] === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < source.length && /[a-z]/i.test(source[j])) j++;
      const literal = source.slice(i, j);
      emit(literal);
      previous = '/';
      previousWord = '';
      i = j;
    } else {
      if (char === '{') braceDepth++;
      else if (char === '}') braceDepth--;
      emit(char);
      if (char !== ' ' && char !== '\t') noteCode(text);
      i++;
    }
  }
  endLine();
  return lines;
}

/**
 * Where a translated block's code differs from the English block's beyond
 * what a translation may change; an empty list when it only translated
 * comments and marked strings.
 */
export function translationDifferences(english: string, translated: string): string[] {
  const original = codeLines(english);
  const translation = codeLines(translated);
  const differences: string[] = [];
  const count = Math.max(original.length, translation.length);
  for (let index = 0; index < count; index++) {
    const expected = original[index];
    const actual = translation[index];
    if (expected === undefined || actual === undefined) {
      differences.push(
        `code line ${index + 1}: ${JSON.stringify(expected?.text ?? null)} vs ${JSON.stringify(actual?.text ?? null)}`,
      );
      continue;
    }
    const same = actual.translatedStrings ? expected.masked === actual.masked : expected.text === actual.text;
    if (!same)
      differences.push(`code line ${index + 1}: ${JSON.stringify(expected.text)} vs ${JSON.stringify(actual.text)}`);
  }
  return differences;
}
