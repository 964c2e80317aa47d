import co from 'co';

const account = {
  balance: 10,
  deposit: co.wrap(function* (amount) {
    yield Promise.resolve();
    this.balance += amount;
    return this.balance;
  }),
};

co(function* () {
  console.log('balance', yield account.deposit(5));
  console.log('balance', yield account.deposit(7));
});
