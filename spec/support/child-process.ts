/**
 * Runs a short ES module in a child `node` and reports how it ended, for
 * behaviour that only shows at process level: what reaches stderr at exit,
 * the exit code, whether the process ends by itself.
 */
import { spawn } from 'node:child_process';

/** How a child process ended and what it wrote. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const indexUrl = new URL('../../lib/index.js', import.meta.url).href;

/** Options for {@link runWhirlwindScript}. */
export interface ScriptOptions {
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** Killed after this long (generous: the point is how it ends, not how fast). */
  killAfterMs?: number;
}

/** Runs `body` as an ES module that has whirlwind imported as `w`. */
export function runWhirlwindScript(body: string, options: ScriptOptions = {}): Promise<ChildOutcome> {
  const { nodeArgs = [], killAfterMs = 15_000 } = options;
  const source = `import * as w from ${JSON.stringify(indexUrl)};\n${body}`;
  return new Promise((resolve, reject) => {
    const args = [...nodeArgs, '--input-type=module', '-e', source];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
