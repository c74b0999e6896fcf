/**
 * A stand-in for `xcrun altool --upload-package`, run as a real process. It records what it was
 * given (arguments, the API key file it found, which environment variables were set) as one JSON
 * line in $FAKE_XCRUN_RECORD, then answers the way altool does with `--output-format json`.
 *
 * $FAKE_XCRUN_MODE chooses the answer: `success` (default), `product-errors` (altool's JSON errors,
 * exit 1), `crash` (no JSON, a message on stderr, exit 70) or `slow` (success after a minute, as a
 * large upload would take).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const env = process.env;
const valueOf = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};

const keysDir = env.API_PRIVATE_KEYS_DIR;
const keyId = valueOf('--apiKey');
const key = { path: keysDir && keyId ? join(keysDir, `AuthKey_${keyId}.p8`) : undefined, exists: false };
if (key.path && existsSync(key.path)) {
  const text = readFileSync(key.path, 'utf8');
  Object.assign(key, {
    exists: true,
    mode: statSync(key.path).mode & 0o777,
    dirMode: statSync(keysDir).mode & 0o777,
    pem: /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n?$/.test(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
}
const record = {
  pid: process.pid,
  argv,
  apiPrivateKeysDir: keysDir,
  key,
  // Whether the key's PEM text reached the process through any environment variable.
  keyInEnvironment: Object.values(env).some((v) => typeof v === 'string' && v.includes('PRIVATE KEY-----')),
};
if (env.FAKE_XCRUN_RECORD) appendFileSync(env.FAKE_XCRUN_RECORD, JSON.stringify(record) + '\n');

const toolInfo = {
  'os-version': '15.5.0',
  'tool-path':
    '/Applications/Xcode.app/Contents/SharedFrameworks/ContentDeliveryServices.framework/Versions/A/Frameworks/AppStoreService.framework',
  'tool-version': '8.304.1 (174304)',
};
const answer = (json, code) => {
  process.stdout.write(JSON.stringify({ ...toolInfo, ...json }, null, 2) + '\n');
  process.exit(code);
};
const productError = (code, message, reason) => ({
  code,
  message,
  'underlying-errors': [],
  userInfo: { NSLocalizedDescription: message, NSLocalizedFailureReason: reason },
});

if (argv[0] !== 'altool') {
  process.stderr.write(`xcrun: error: unable to find utility "${argv[0]}", not a developer tool or in PATH\n`);
  process.exit(72);
}
process.stderr.write(`altool[${process.pid}] Running altool at path '${toolInfo['tool-path']}'\n`);

if (!key.exists || key.mode !== 0o600 || !key.pem) {
  answer(
    {
      'product-errors': [
        productError(
          -1,
          'Failed to load AuthKey file.',
          `The file containing the private key for API Key '${keyId}' could not be found or read in ${keysDir ?? 'any of the searched directories'}.`,
        ),
      ],
    },
    1,
  );
}

const mode = env.FAKE_XCRUN_MODE ?? 'success';
if (mode === 'slow') await new Promise((done) => setTimeout(done, 60_000));
if (mode === 'crash') {
  process.stderr.write('altool: *** Error: Unable to upload archive. An unexpected failure occurred.\n');
  process.exit(70);
}
if (mode === 'product-errors') {
  answer(
    {
      'product-errors': [
        productError(
          409,
          'Failed to upload package.',
          `The bundle version must be higher than the previously uploaded version: '${valueOf('--bundle-version')}'. (ID: 3f5c0b1e-0000-4000-8000-000000000000)`,
        ),
        productError(
          -19241,
          'Validation failed',
          'Missing required icon file. The bundle does not contain an app icon for iPhone / iPod Touch of exactly 120x120 pixels.',
        ),
      ],
    },
    1,
  );
}
answer(
  {
    'success-message': `No errors uploading '${argv[argv.indexOf('--upload-package') + 1]}'`,
    details: { 'delivery-uuid': '6c1d7a3e-0000-4000-8000-000000000000', transferred: '1234 bytes in 0.010 seconds (0.1MB/s)' },
  },
  0,
);
