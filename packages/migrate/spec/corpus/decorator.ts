import { gen } from 'whirlwind';

class Greeter {
  constructor(private readonly greeting: string) {}

  @gen.coroutine
  *greet(name: string): Generator<unknown, string, any> {
    yield gen.sleep(0.001);
    return `${this.greeting}, ${name}`;
  }

  @gen.coroutine
  *greetAll(names: string[]): Generator<unknown, string[], any> {
    const results: string[] = [];
    for (const name of names) results.push(yield this.greet(name));
    return results;
  }
}

const greeter = new Greeter('hello');
// A decorator cannot change the declared type: TypeScript still sees the generator's.
const all = (await greeter.greetAll(['ada', 'grace'])) as unknown as string[];
console.log(all.join('; '));
