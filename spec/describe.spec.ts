import { AsyncLocalStorage } from 'node:async_hooks';
import { expect } from 'chai';
import { describeValue } from '../lib/internal/describe.js';

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
});
