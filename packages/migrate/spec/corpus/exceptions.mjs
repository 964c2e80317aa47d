import { gen } from 'whirlwind';

class AppError extends Error {
  constructor(code) {
    super(`failed with ${code}`);
    this.name = 'AppError';
    this.code = code;
  }
}

const risky = gen.coroutine(function* (code) {
  yield gen.sleep(0.001);
  if (code > 0) throw new AppError(code);
  return 'fine';
});

const main = gen.coroutine(function* () {
  for (const code of [0, 3]) {
    try {
      console.log(yield risky(code));
    } catch (error) {
      console.log(error.name, error.code, error.message);
    }
  }
  const direct = risky(5);
  try {
    yield direct;
  } catch (error) {
    console.log('second catch', error.code);
  }
});

await main();
