import { expect } from 'chai';
import { redactText, redactUrl } from '../lib/internal/http-redact.js';

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
});
