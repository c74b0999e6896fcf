/**
 * `POST /repos/{owner}/{repo}/dispatches` (repository_dispatch), as GitHub checks it: an `event_type` of
 * 1 to 100 characters and a `client_payload` object of at most 10 top-level properties; 204 on success.
 * Each accepted dispatch is recorded, and a test may act on each (run the resume workflow) in order.
 */
import type { ServerResponse } from 'node:http';

export interface FakeDispatch {
  eventType: string;
  clientPayload: Record<string, unknown>;
  /** When it arrived: ms since the epoch, with sub-millisecond precision (for the relay's benchmark). */
  at: number;
}

export interface FakeDispatches {
  readonly list: FakeDispatch[];
  /**
   * Runs `run` for each dispatch from now on, one after the other in arrival order, as a workflow with a
   * concurrency group runs its `repository_dispatch` runs.
   */
  onDispatch(run: (dispatch: FakeDispatch) => Promise<void>): void;
  /** Resolves once every dispatch so far has been acted on. */
  idle(): Promise<void>;
}

const MAX_EVENT_TYPE = 100;
const MAX_PAYLOAD_KEYS = 10;

export function mountDispatches(): {
  api: FakeDispatches;
  handle(method: string, rest: string, body: Buffer, res: ServerResponse, error: (status: number, message: string) => void): boolean;
} {
  const list: FakeDispatch[] = [];
  let runner: ((dispatch: FakeDispatch) => Promise<void>) | undefined;
  let chain: Promise<void> = Promise.resolve();
  const failures: unknown[] = [];

  return {
    api: {
      list,
      onDispatch(run) {
        runner = run;
      },
      async idle() {
        await chain;
        if (failures.length > 0) throw failures.splice(0)[0];
      },
    },
    handle(method, rest, body, res, error) {
      if (rest !== '/dispatches') return false;
      if (method !== 'POST') return (error(404, 'Not Found'), true);
      let doc: { event_type?: unknown; client_payload?: unknown };
      try {
        doc = JSON.parse(body.toString('utf8')) as typeof doc;
      } catch {
        return (error(400, 'Problems parsing JSON'), true);
      }
      const eventType = doc.event_type;
      if (typeof eventType !== 'string' || eventType.length < 1 || eventType.length > MAX_EVENT_TYPE) {
        return (error(422, "Invalid request.\n\nFor 'properties/event_type', is not a valid string of 1 to 100 characters."), true);
      }
      const payload = doc.client_payload ?? {};
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || Object.keys(payload).length > MAX_PAYLOAD_KEYS) {
        return (error(422, 'Invalid request.\n\nclient_payload must be an object of at most 10 top-level properties.'), true);
      }
      const dispatch: FakeDispatch = {
        eventType,
        clientPayload: payload as Record<string, unknown>,
        at: performance.timeOrigin + performance.now(),
      };
      list.push(dispatch);
      const run = runner;
      if (run) chain = chain.then(() => run(dispatch)).catch((e: unknown) => void failures.push(e));
      res.writeHead(204);
      res.end();
      return true;
    },
  };
}
