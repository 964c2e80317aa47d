import { expect } from 'chai';
import { inspect } from 'node:util';
import { HTTPRequest, HTTPResponse } from '../lib/httpclient.js';
import { describeValue } from '../lib/internal/describe.js';
import { redactHeaders, redactText, redactUrl } from '../lib/internal/http-redact.js';

describe('URL userinfo redaction', () => {
  it('replaces a user name and password with ***', () => {
    expect(redactUrl('http://user:s3cret@127.0.0.1:1/x')).to.equal('http://***@127.0.0.1:1/x');
  });

  it('replaces a user name alone, which is often a token', () => {
    expect(redactUrl('https://ghp_t0ken@example.com/repo')).to.equal('https://***@example.com/repo');
  });

  it('takes the last @ of the authority as its end, as URL parsing does', () => {
    expect(redactUrl('http://us@er:pa@ss@host/')).to.equal('http://***@host/');
  });

  it('leaves a URL without userinfo exactly as given, @ in its path or query included', () => {
    for (const url of ['http://host/@user/repo?mail=a@b', 'https://host:8443/x#a@b', 'HTTP://Host/']) {
      expect(redactUrl(url)).to.equal(url);
    }
  });

  it('redacts a URL that does not parse up to its last @', () => {
    expect(redactUrl('http://user:pa/ss@[bad/x')).to.equal('http://***@[bad/x');
    expect(redactUrl('//user:s3cret@host/x')).to.equal('//***@host/x');
  });

  it('redacts the userinfo of every URL in a text, and nothing else', () => {
    const text = 'GET http://a:b@h1/p@x then https://c@h2/?q=d@e from mail a@b.c';
    expect(redactText(text)).to.equal('GET http://***@h1/p@x then https://***@h2/?q=d@e from mail a@b.c');
  });

  it('masks the credential headers in any spelling, and only those', () => {
    const headers = { AUTHORIZATION: 'a', 'Proxy-Authorization': 'b', Cookie: 'c', cookie2: 'd', 'X-Api-Key': 'e' };
    expect(redactHeaders(headers)).to.deep.equal({
      AUTHORIZATION: '***',
      'Proxy-Authorization': '***',
      Cookie: '***',
      cookie2: '***',
      'X-Api-Key': 'e',
    });
  });
});

describe('credentials in inspected requests and responses', () => {
  const request = new HTTPRequest('http://user:s3cret@127.0.0.1/x', {
    headers: { Authorization: 'Bearer s3cret', cookie: 'session=s3cret', Accept: 'text/plain' },
    authUsername: 'user',
    authPassword: 's3cret',
  });
  const response = new HTTPResponse(request, 404, { effectiveUrl: 'http://user:s3cret@127.0.0.1/y' });

  it('shows a request with its URL userinfo, credential headers and auth options as ***', () => {
    const text = inspect(request);
    expect(text).not.to.match(/s3cret|'user'|user:/);
    expect(text).to.contain("url: 'http://***@127.0.0.1/x'");
    expect(text).to.contain("headers: { Authorization: '***', cookie: '***', Accept: 'text/plain' }");
    expect(text).to.contain("authPassword: '***'");
  });

  it('prints no credential in an uncaught HTTPClientError, at any depth', () => {
    for (const depth of [0, 2, 5, null]) expect(inspect(response.error, { depth })).not.to.match(/s3cret|'user'|user:/);
    expect(inspect(response.error, { depth: null })).to.contain("effectiveUrl: 'http://***@127.0.0.1/y'");
  });

  it('describes a request in an error message without credentials', () => {
    expect(describeValue(request)).not.to.match(/s3cret|'user'|user:/);
  });
});
