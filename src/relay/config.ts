/** The relay's settings, from the environment of the Worker or the process. */

export interface RelayEnv {
  WEBHOOK_SECRET?: string;
  GITHUB_TOKEN?: string;
  /** `owner/name`. */
  GITHUB_REPOSITORY?: string;
  /** GitHub Enterprise Server's API, e.g. https://github.example.com/api/v3. */
  GITHUB_API_URL?: string;
  DISPATCH_EVENT_TYPE?: string;
}

export interface RelayConfig {
  secret: string;
  token: string;
  /** `{api}/repos/{owner}/{repo}/dispatches`. */
  dispatchUrl: string;
  eventType: string;
}

export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_EVENT_TYPE = 'app-store-connect';
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const EVENT_TYPE = /^[A-Za-z0-9._-]{1,100}$/;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The settings, or the list of what is wrong (names only: values are never repeated). */
export function readRelayConfig(env: RelayEnv): { config: RelayConfig } | { problems: string[] } {
  const problems: string[] = [];
  const secret = env.WEBHOOK_SECRET ?? '';
  if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`WEBHOOK_SECRET must be the webhook's secret, at least ${MIN_SECRET_LENGTH} characters.`);
  }
  const token = (env.GITHUB_TOKEN ?? '').trim();
  if (!token || /\s/.test(token)) problems.push('GITHUB_TOKEN must be a token allowed to dispatch to the repository (Contents: write).');
  const repository = (env.GITHUB_REPOSITORY ?? '').trim();
  if (!REPOSITORY.test(repository)) problems.push('GITHUB_REPOSITORY must be `owner/name`.');
  const eventType = (env.DISPATCH_EVENT_TYPE ?? '').trim() || DEFAULT_EVENT_TYPE;
  if (!EVENT_TYPE.test(eventType)) problems.push('DISPATCH_EVENT_TYPE must be letters, digits, `.`, `_` or `-` (at most 100).');
  const api = apiUrl(env.GITHUB_API_URL);
  if (api === undefined) problems.push('GITHUB_API_URL must be an https URL (http only on a loopback host).');
  if (problems.length > 0 || api === undefined) return { problems };
  return { config: { secret, token, eventType, dispatchUrl: `${api}/repos/${repository}/dispatches` } };
}

function apiUrl(value: string | undefined): string | undefined {
  const text = (value ?? '').trim() || 'https://api.github.com';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  return url.href.replace(/\/+$/, '');
}
