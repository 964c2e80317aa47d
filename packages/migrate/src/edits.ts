/**
 * Source splices: the migration never reprints code, it replaces the few
 * characters that change (`function*` -> `async function`, `yield` -> `await`,
 * ...), so formatting and comments everywhere else stay byte for byte.
 */
interface Edit {
  start: number;
  end: number;
  text: string;
  sequence: number;
}

export class Edits {
  private readonly edits: Edit[] = [];

  replace(start: number, end: number, text: string): void {
    if (end < start) throw new Error(`internal: edit ${start}..${end} ends before it starts`);
    this.edits.push({ start, end, text, sequence: this.edits.length });
  }

  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  get size(): number {
    return this.edits.length;
  }

  /** The text with every edit applied; overlapping replacements are a bug in the caller. */
  apply(source: string): string {
    const sorted = [...this.edits].sort((a, b) => a.start - b.start || a.end - b.end || a.sequence - b.sequence);
    let out = '';
    let cursor = 0;
    for (const edit of sorted) {
      if (edit.start < cursor) {
        throw new Error(`internal: overlapping edits at ${edit.start} (${JSON.stringify(edit.text)})`);
      }
      out += source.slice(cursor, edit.start) + edit.text;
      cursor = edit.end;
    }
    return out + source.slice(cursor);
  }
}
