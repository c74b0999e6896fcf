/**
 * Whether a URL's hostname (as `new URL()` gives it: lower case, IPv6 in brackets) names this machine:
 * `localhost`, 127.x.x.x or `[::1]`. Requests there never leave the machine, so neither Apple's request
 * limit nor transport encryption is at stake.
 */
export function isLoopbackHost(hostname: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(hostname);
}
