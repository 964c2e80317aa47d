/**
 * HTTP request options come from one table (lib/internal/http-options.ts),
 * as Tornado's HTTPRequest._DEFAULTS: a request made with no options has
 * exactly the table's defaults, and every option either reaches the
 * transport unchanged or is one the client consumes itself.
 */
import { expect } from 'chai';
import { HTTPRequest } from '../lib/httpclient.js';
import {
  CLIENT_SIDE_OPTIONS,
  OPTION_NAMES,
  REQUEST_DEFAULTS,
  TRANSPORT_OPTIONS,
} from '../lib/internal/http-options.js';

describe('HTTP request options', () => {
  // Which defaults those are (Tornado's) is pinned in httpclient.spec.ts.
  it('gives a request made with no options every default of the table, field by field', () => {
    const request = new HTTPRequest('http://127.0.0.1/');
    const fields = Object.fromEntries(OPTION_NAMES.map((name) => [name, request[name]]));
    expect(fields).to.deep.equal({ ...REQUEST_DEFAULTS });
    expect(request.headers).to.not.equal(REQUEST_DEFAULTS.headers);
  });

  it('takes a given option over the default, and a null or undefined one as the default', () => {
    const request = new HTTPRequest('http://127.0.0.1/', { connectTimeout: 3, maxRedirects: undefined });
    expect(request.connectTimeout).to.equal(3);
    expect(request.maxRedirects).to.equal(5);
  });

  it('sends every option either to the transport unchanged or through the client, never both or neither', () => {
    const clientSide: readonly string[] = CLIENT_SIDE_OPTIONS;
    expect([...TRANSPORT_OPTIONS, ...clientSide].sort()).to.deep.equal([...OPTION_NAMES].sort());
    expect(TRANSPORT_OPTIONS.filter((name) => clientSide.includes(name))).to.deep.equal([]);
  });
});
