/**
 * The four examples of the seed text ("Asynchronous and non-Blocking I/O",
 * ../../shared/seed/), written exactly as in API.md: the same fetch as a
 * blocking function, a native async function, a `gen.coroutine`, and by hand
 * with a Future and a done callback. `npm start` (examples/demo.ts) runs all
 * four against a local server and compares them.
 */
import { HTTPClient, AsyncHTTPClient } from 'whirlwind/httpclient';
import { gen } from 'whirlwind';
import { Future } from 'whirlwind/concurrent';

function synchronousFetch(url: string) {
  const httpClient = new HTTPClient();
  const response = httpClient.fetch(url);
  return response.body;
}

async function asynchronousFetch(url: string) {
  const httpClient = new AsyncHTTPClient();
  const response = await httpClient.fetch(url);
  return response.body;
}

const asyncFetchGen = gen.coroutine(function* (url: string) {
  const httpClient = new AsyncHTTPClient();
  const response = yield httpClient.fetch(url);
  throw new gen.Return(response.body);
});

function asyncFetchManual(url: string) {
  const httpClient = new AsyncHTTPClient();
  const myFuture = new Future<Buffer>();
  const fetchFuture = httpClient.fetch(url);
  fetchFuture.addDoneCallback((f) => myFuture.setResult(f.result().body));
  return myFuture;
}

export { synchronousFetch, asynchronousFetch, asyncFetchGen, asyncFetchManual };
