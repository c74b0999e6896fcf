import { describe, expect, it } from 'vitest';
import { pollInterval } from '../../src/input-values.js';
import { isLoopbackHost } from '../../src/net/loopback.js';
import { checkUploadUrl, InsecureUploadUrlError } from '../../src/upload/parts.js';

describe('a loopback host', () => {
  it('is localhost, 127.x.x.x or [::1], in any case', () => {
    for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.255.0.9', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['localhost.example.com', '127.0.0.1.example.com', '128.0.0.1', '1270.0.0.1', '::1', '10.0.0.1', ''])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('means the same to the part URLs and to the poll-interval floor', () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://LOCALHOST/', 'http://127.1/', 'http://[::1]:9000/']) {
      expect(() => checkUploadUrl(1, url), url).not.toThrow();
      expect(pollInterval('0.05', url), url).toBe(50);
    }
    for (const url of ['http://127.0.0.1.example.com/', 'http://localhost.example.com/']) {
      expect(() => checkUploadUrl(1, url), url).toThrow(InsecureUploadUrlError);
      expect(() => pollInterval('0.05', url), url).toThrow(/too often/);
    }
  });
});
