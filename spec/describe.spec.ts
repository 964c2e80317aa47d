import { AsyncLocalStorage } from 'node:async_hooks';
import { expect } from 'chai';
import { describeName, describeValue } from '../lib/internal/describe.js';

/** A path deeper than any length limit a message could have: 2 + 40 * 12 characters. */
const DEEP_PATH = '/' + 'a-long-folder/'.repeat(40) + 'ca.pem';

/** Runs `fn` inside an AsyncLocalStorage, which makes Node tag every promise made there with its async ids and store. */
function insideAsyncLocalStorage<T>(fn: () => T): T {
  return new AsyncLocalStorage<{ request: number }>().run({ request: 7 }, fn);
}

describe('describeValue', () => {
  it('renders a pending, a fulfilled and a rejected Promise by state and value', () => {
    const rejectedPromise = Promise.reject(new RangeError('boom'));
    rejectedPromise.catch(() => undefined);
    expect([new Promise(() => {}), Promise.resolve(42), rejectedPromise].map(describeValue)).to.deep.equal([
      'Promise { <pending> }',
      'Promise { 42 }',
      'Promise { <rejected> RangeError: boom }',
    ]);
  });

  it('leaves out the async ids and store Node puts on promises once an AsyncLocalStorage is in use', () => {
    const described = insideAsyncLocalStorage(() => {
      const rejectedPromise = Promise.reject(42);
      rejectedPromise.catch(() => undefined);
      return [new Promise(() => {}), Promise.resolve(undefined), rejectedPromise].map(describeValue);
    });
    expect(described).to.deep.equal(['Promise { <pending> }', 'Promise { undefined }', 'Promise { <rejected> 42 }']);
  });

  it("leaves out Node's async ids on other async resources, keeping their class name and fields", () => {
    class Resource {
      constructor(public readonly name: string) {
        Object.assign(this, { [Symbol('asyncId')]: 12, [Symbol('triggerId')]: 1 });
      }
    }
    expect(describeValue(new Resource('db'))).to.equal("Resource { name: 'db' }");
  });

  it('keeps symbol keys that are not Node internals', () => {
    expect(describeValue({ [Symbol('tag')]: 1, [Symbol('asyncId')]: 2 })).to.equal('{ [Symbol(tag)]: 1 }');
  });

  it('renders an Error as its name and message on one line', () => {
    expect(describeValue(new TypeError('bad\ninput'))).to.equal('TypeError: bad input');
  });

  it('shortens a long string value', () => {
    const described = describeValue('x'.repeat(1000));
    expect(described.length).to.be.at.most(120);
    expect(described).to.match(/^'x+'\.\.\. 940 more characters$/);
  });

  it('shortens a large object', () => {
    const described = describeValue({
      rows: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `row ${i}` })),
      more: 'x'.repeat(200),
    });
    expect(described.length).to.equal(120);
    expect(described.endsWith('...')).to.equal(true);
  });

  it('renders a URL object as its whole href, quoted, with user name and password masked', () => {
    const href = `https://example.com/${'segment/'.repeat(30)}`;
    expect(describeValue(new URL(href))).to.equal(`URL '${href}'`);
    expect(describeValue(new URL('https://token:s3cret@example.com/'))).to.equal("URL 'https://***@example.com/'");
  });

  it("keeps an Error's message whole, since it may name a path", () => {
    const error = new Error(`ENOENT: no such file or directory, open '${DEEP_PATH}'`);
    expect(describeValue(error)).to.equal(`Error: ENOENT: no such file or directory, open '${DEEP_PATH}'`);
  });
});

describe('describeName', () => {
  it('quotes a file path and keeps it whole however long', () => {
    expect(describeName(DEEP_PATH)).to.equal(`'${DEEP_PATH}'`);
  });

  it('keeps a long URL string whole', () => {
    const url = `https://example.com/${'segment/'.repeat(40)}?q=${'v'.repeat(100)}`;
    expect(describeName(url)).to.equal(`'${url}'`);
  });

  it('renders a URL object as its whole href', () => {
    const url = new URL(`file://${DEEP_PATH}`);
    expect(describeName(url)).to.equal(url.href);
  });

  it("masks a URL object's user name and password", () => {
    expect(describeName(new URL('https://user:s3cret@example.com/a'))).to.equal('https://***@example.com/a');
  });

  it('escapes line breaks and control characters, so the message stays on one line', () => {
    expect(describeName('a\nb\u0000c')).to.equal("'a\\nb\\x00c'");
  });

  it('shows a value that is not a name as describeValue does', () => {
    expect(describeName(42)).to.equal('42');
    expect(describeName({ path: 'x' })).to.equal(describeValue({ path: 'x' }));
  });
});
