/**
 * Runs one altool upload in its own process, so a test can interrupt it as a cancelled job is
 * (SIGINT, then SIGTERM). Arguments: the package, a file holding the key's PEM, the key ID, the
 * issuer ID. The key is read from a file, not the environment, which altool inherits.
 */
import { readFileSync } from 'node:fs';
import { readPackageInfo } from '../../src/package/index.js';
import { uploadWithAltool } from '../../src/upload/altool.js';
import { recordingLog } from '../log.js';

const [path = '', keyFile = '', keyId = '', issuerId] = process.argv.slice(2);
const pkg = await readPackageInfo(path);
process.stdout.write('uploading\n');
await uploadWithAltool(pkg, {
  appId: '1234567890',
  keyId,
  issuerId,
  privateKeyPem: readFileSync(keyFile, 'utf8'),
  log: recordingLog(),
});
process.stdout.write('uploaded\n');
