import co from 'co';

const sum = co(
  function* (a, b, c) {
    const values = yield [a, b, c].map((n) => Promise.resolve(n));
    return values.reduce((x, y) => x + y, 0);
  },
  1,
  2,
  3,
);

sum.then((total) => console.log('sum', total));
