// expect-difference: catch-return
import { gen } from 'whirlwind';

const lookup = gen.coroutine(function* (key) {
  try {
    yield gen.sleep(0.001);
    if (key === 'known') throw new gen.Return('value');
    throw new Error(`unknown key ${key}`);
  } catch (error) {
    console.log('catch saw', error instanceof Error ? error.message : 'a gen.Return');
    return 'fallback';
  }
});

console.log(await lookup('known'));
console.log(await lookup('other'));
