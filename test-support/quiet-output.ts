/**
 * Libraries that run in the test process (@actions/artifact, @actions/core) write straight to stdout and
 * stderr: `::debug::` lines, upload progress. Held here per test and printed only when the test fails, so
 * a passing suite prints its results and a failure shows everything that led to it.
 */
import { beforeEach } from 'vitest';

type Write = typeof process.stdout.write;
let held: string[] = [];

function hold(stream: NodeJS.WriteStream): Write {
  const write = stream.write.bind(stream) as Write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  }) as Write;
  return write;
}

const stderr = hold(process.stderr);
hold(process.stdout);

beforeEach((context) => {
  // Output before the first test (beforeAll) goes with it.
  context.onTestFinished(({ task }) => {
    const output = held.join('');
    held = [];
    if (task.result?.state === 'fail' && output) stderr(`\n── output of "${task.name}" ──\n${output}── end ──\n`);
  });
});
