// expect-difference: generator
import co from 'co';

export function* child(n) {
  const value = yield Promise.resolve(n);
  return value + 1;
}

co(function* () {
  const result = yield child(1);
  console.log('child gave', typeof result === 'number' ? result : typeof result);
}).catch((error) => console.log('failed', error.message));
