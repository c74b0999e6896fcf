/** A suite's fake GitHub and a workflows client of its repository, for the tests of the resume workflow's schedule. */
import { createWorkflowsClient, type WorkflowsClient } from '../../src/github/workflows.js';
import type { FakeGitHub } from './index.js';
import { useFakeGitHub, type SuiteFakeGitHubOptions } from './suite.js';

/**
 * Registers the fake's hooks (see `useFakeGitHub`) and returns it with a client signed in with `token`,
 * retrying 10 ms apart; the client is made on first use, inside a test or hook.
 */
export function useWorkflowsClient(options: SuiteFakeGitHubOptions & { token: string }): { gh: FakeGitHub; client: WorkflowsClient } {
  const gh = useFakeGitHub(options);
  let made: WorkflowsClient | undefined;
  const client = new Proxy({} as WorkflowsClient, {
    get(_, property) {
      made ??= createWorkflowsClient({ token: options.token, repository: gh.repository, apiUrl: gh.apiUrl, retry: { baseDelayMs: 10 } });
      return Reflect.get(made, property);
    },
  });
  return { gh, client };
}
