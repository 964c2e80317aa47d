import co from 'co';

const double = co.wrap(function* (n) {
  const value = yield Promise.resolve(n);
  return value * 2;
});

co(function* () {
  const one = yield double(1);
  const [two, three] = yield [double(2), Promise.resolve(3)];
  const { four, five } = yield { four: double(2), five: 5 };
  console.log(one, two, three, four, five);
}).then(() => console.log('finished'));
