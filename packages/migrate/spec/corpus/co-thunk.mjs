// expect-difference: thunk
import co from 'co';

function delay(value) {
  return (callback) => setTimeout(() => callback(null, value), 1);
}

co(function* () {
  const result = yield delay('from a thunk');
  console.log('thunk gave', typeof result === 'string' ? result : typeof result);
}).catch((error) => console.log('failed', error.message));
