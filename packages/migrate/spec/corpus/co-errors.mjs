import co from 'co';

const failing = co.wrap(function* (message) {
  yield new Promise((resolve) => setTimeout(resolve, 2));
  throw new TypeError(message);
});

co(function* () {
  try {
    yield failing('bad input');
  } catch (error) {
    console.log('caught', error.name, error.message);
  }
  try {
    yield [Promise.resolve(1), Promise.reject(new Error('in array'))];
  } catch (error) {
    console.log('caught', error.message);
  }
  return 'ok';
}).then(
  (value) => console.log('result', value),
  (error) => console.log('failed', error),
);
