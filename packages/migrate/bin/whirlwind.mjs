#!/usr/bin/env node
// `whirlwind migrate ...` (or `whirlwind-migrate ...`): the compiled command lives in dist/.
import { basename } from 'node:path';

const args = process.argv.slice(2);
const invokedAs = basename(process.argv[1] ?? '');
const { main, USAGE } = await import('../dist/src/cli.js');
if (!invokedAs.startsWith('whirlwind-migrate')) {
  const command = args.shift();
  if (command !== 'migrate') {
    const wanted = command === undefined || command === '-h' || command === '--help';
    (wanted ? process.stdout : process.stderr).write(
      `${wanted ? '' : `whirlwind: unknown command ${JSON.stringify(command)}\n\n`}Commands:\n  migrate   rewrite generator coroutines as async/await\n\n${USAGE}`,
    );
    process.exit(wanted ? 0 : 2);
  }
}
process.exitCode = main(args);
