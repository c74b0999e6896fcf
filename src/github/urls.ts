/** Web addresses on the GitHub server this run is on (GitHub Enterprise Server included). */

export function serverUrl(): string {
  return (process.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
}

/** A workflow run of `repository` (this one by default), or its Actions page without `runId`. */
export function runUrl(runId?: number | string, repository = process.env.GITHUB_REPOSITORY ?? ''): string {
  return `${serverUrl()}/${repository}/actions${runId !== undefined && runId !== '' ? `/runs/${runId}` : ''}`;
}
