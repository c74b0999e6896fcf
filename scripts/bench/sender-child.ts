/**
 * One sender in a process of its own, under the Node the action runs on: the parts of a file PUT to
 * a URL, with the action's sender (src/upload/parts.ts) or a minimal one (raw-sender.ts). Prints
 * `{ ms, cpuMs }` as the last line: wall time from the first part to the last answer, and the CPU
 * the process spent in that time.
 *
 *   node --import tsx sender-child.ts ours|raw URL FILE SIZE PART_SIZE CONNECTIONS
 */
import { sendParts } from '../../src/upload/parts.js';
import { rawSend } from './raw-sender.js';

const [kind, url, file, size, partSize, connections] = process.argv.slice(2) as [string, string, string, string, string, string];
const parts = [];
for (let offset = 0, n = 1; offset < Number(size); offset += Number(partSize), n++) {
  const length = Math.min(Number(partSize), Number(size) - offset);
  parts.push({ method: 'PUT', url: new URL(url), offset, length, headers: { 'Content-Type': 'application/octet-stream' }, partNumber: n });
}
const cpu = process.cpuUsage();
const started = performance.now();
if (kind === 'raw') await rawSend(url, file, parts, Number(connections));
else await sendParts({ path: file, operations: parts, concurrency: Number(connections) });
const ms = performance.now() - started;
const spent = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ ms, cpuMs: (spent.user + spent.system) / 1000 })}\n`);
