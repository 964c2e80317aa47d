import { gen } from 'whirlwind';

const fetchUser = gen.coroutine(function* (id) {
  yield gen.sleep(0.002);
  return { id, name: `user${id}` };
});

const main = gen.coroutine(function* () {
  const { user, friend, constant } = yield { user: fetchUser(1), friend: fetchUser(2), constant: Promise.resolve(42) };
  console.log(user.name, friend.name, constant);
});

await main();
