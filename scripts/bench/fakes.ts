import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Counts, FakeCommand, FakeReply, SlimRequest, Started } from './protocol.js';

/** The fakes, running in their own process (see fake-process.ts). */
export class Fakes {
  private next = 1;
  private readonly waiting = new Map<number, (reply: FakeReply) => void>();

  /** The URLs and the API key of the fakes. */
  started!: Started;

  private constructor(private readonly child: ChildProcess) {}

  static async start(partSize: number): Promise<Fakes> {
    const child = fork(resolve(import.meta.dirname, 'fake-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      // The artifact client logs to stdout as an action step would; only errors are of interest here.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((done, fail) => {
      child.once('message', () => done());
      child.once('exit', (code) => fail(new Error(`the fake servers exited (${code}) before starting`)));
    });
    const fakes = new Fakes(child);
    child.on('message', (reply: FakeReply) => fakes.waiting.get(reply.id)?.(reply));
    fakes.started = await fakes.call<Started>({ op: 'start', partSize });
    return fakes;
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T>(command: FakeCommand): Promise<T> {
    const id = this.next++;
    return new Promise<T>((done, fail) => {
      this.waiting.set(id, (reply) => {
        this.waiting.delete(id);
        if (reply.ok) done(reply.value as T);
        else fail(new Error(reply.error));
      });
      this.child.send({ id, command });
    });
  }

  counts(): Promise<Counts> {
    return this.call<Counts>({ op: 'counts' });
  }

  requests(from: number): Promise<SlimRequest[]> {
    return this.call<SlimRequest[]>({ op: 'requests', from });
  }

  async stop(): Promise<void> {
    await this.call({ op: 'stop' }).catch(() => undefined);
    this.child.disconnect();
    await new Promise((done) => (this.child.exitCode !== null ? done(null) : this.child.once('exit', done)));
  }
}
