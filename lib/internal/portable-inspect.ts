/**
 * A small stand-in for Node's util.inspect and util.format where Node is not
 * there (the portable platform module): one-line renderings close to Node's
 * for the values whirlwind describes in its messages (primitives, arrays,
 * plain objects, class instances, functions, errors, promises).
 *
 * @example
 * ```ts
 * inspect({ a: [1, 'x'] }); // "{ a: [ 1, 'x' ] }"
 * format('%s: %d', 'count', 3); // 'count: 3'
 * ```
 */
export interface InspectOptions {
  depth?: number;
  maxArrayLength?: number;
  maxStringLength?: number;
  breakLength?: number;
  /** Shows an array's length as Node's `%o` does (other hidden properties are not shown). */
  showHidden?: boolean;
  /** false: never call an object's own inspect method (it may throw or lie). */
  customInspect?: boolean;
  getters?: boolean;
}

/** The method Node's inspect calls for a custom rendering (Future, Lock, Queue define it). */
const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom');

export function inspect(value: unknown, options: InspectOptions = {}): string {
  return render(value, options.depth ?? 2, options, new Set());
}

function render(value: unknown, depth: number, options: InspectOptions, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return quote(value, options.maxStringLength);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'boolean':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return describeFunctionValue(value);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (options.customInspect !== false) {
    const custom = (object as Record<symbol, unknown>)[INSPECT_CUSTOM];
    if (typeof custom === 'function') return String(custom.call(object, depth, options));
  }
  if (seen.has(object)) return '[Circular *1]';
  if (object instanceof Error) return object.stack ?? `${object.name}: ${object.message}`;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (object instanceof RegExp) return String(object);
  if (typeof Promise !== 'undefined' && object instanceof Promise) return 'Promise { <unknown> }';
  seen.add(object);
  try {
    if (Array.isArray(object)) return renderArray(object, depth, options, seen);
    if (object instanceof Map)
      return renderEntries(
        `Map(${object.size})`,
        [...object].map(([k, v]) => `${render(k, depth - 1, options, seen)} => ${render(v, depth - 1, options, seen)}`),
        depth,
      );
    if (object instanceof Set)
      return renderEntries(
        `Set(${object.size})`,
        [...object].map((v) => render(v, depth - 1, options, seen)),
        depth,
      );
    return renderObject(object, depth, options, seen);
  } finally {
    seen.delete(object);
  }
}

function quote(text: string, max: number | undefined): string {
  const shown = max !== undefined && text.length > max ? text.slice(0, max) : text;
  const more = shown.length < text.length ? `... ${text.length - shown.length} more characters` : '';
  const quoteMark = shown.includes("'") && !shown.includes('"') ? '"' : "'";
  const escaped = shown
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(new RegExp(quoteMark, 'g'), `\\${quoteMark}`);
  return `${quoteMark}${escaped}${quoteMark}${more}`;
}

function describeFunctionValue(fn: Function): string {
  const source = Function.prototype.toString.call(fn);
  const kind = source.startsWith('class') ? 'class' : 'Function';
  if (kind === 'class') return `[class ${fn.name || '(anonymous)'}]`;
  return fn.name ? `[Function: ${fn.name}]` : '[Function (anonymous)]';
}

function renderArray(array: unknown[], depth: number, options: InspectOptions, seen: Set<object>): string {
  if (depth < 0) return '[Array]';
  const max = options.maxArrayLength ?? 100;
  const items = array.slice(0, max).map((item) => render(item, depth - 1, options, seen));
  if (array.length > max) items.push(`... ${array.length - max} more item${array.length - max > 1 ? 's' : ''}`);
  if (options.showHidden) items.push(`[length]: ${array.length}`);
  return items.length === 0 ? '[]' : `[ ${items.join(', ')} ]`;
}

function renderEntries(prefix: string, items: string[], depth: number): string {
  if (depth < 0) return `[${prefix.replace(/\(.*/, '')}]`;
  return items.length === 0 ? `${prefix} {}` : `${prefix} { ${items.join(', ')} }`;
}

function renderObject(object: object, depth: number, options: InspectOptions, seen: Set<object>): string {
  const prototype = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
  const className = prototype === null ? '[Object: null prototype]' : (prototype.constructor?.name ?? '');
  const prefix = className === 'Object' ? '' : `${className} `;
  if (depth < 0) return `[${className || 'Object'}]`;
  const keys = Object.keys(object);
  const entries = keys.map((key) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key, undefined);
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    // As Node: an accessor is shown, not run (it may throw, or change something).
    if (descriptor?.get) return `${name}: [Getter${descriptor.set ? '/Setter' : ''}]`;
    if (descriptor?.set) return `${name}: [Setter]`;
    return `${name}: ${render(descriptor?.value, depth - 1, options, seen)}`;
  });
  return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${entries.join(', ')} }`;
}

/** printf-style formatting as Node's util.format: %s %d %i %f %j %o %O %c %%, extra arguments appended. */
export function format(...args: unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string') return args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  let index = 0;
  const text = first.replace(/%([sdifjoOc%])/g, (whole, letter: string) => {
    if (letter === '%') return '%';
    if (index >= rest.length) return whole;
    const arg = rest[index++];
    switch (letter) {
      case 's':
        return typeof arg === 'string' ? arg : typeof arg === 'bigint' ? `${arg}n` : inspect(arg, { depth: 0 });
      case 'd':
      case 'i':
        return typeof arg === 'bigint' ? `${arg}n` : String(letter === 'i' ? Math.trunc(Number(arg)) : Number(arg));
      case 'f':
        return String(Number.parseFloat(String(arg)));
      case 'j':
        return safeJson(arg);
      case 'c':
        return '';
      default:
        return letter === 'o' ? inspect(arg, { depth: 4, showHidden: true }) : inspect(arg);
    }
  });
  const remaining = rest.slice(index).map((a) => (typeof a === 'string' ? a : inspect(a)));
  return [text, ...remaining].join(' ');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '[Circular]';
  }
}
