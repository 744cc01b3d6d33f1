// A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost signed by it.
// The CA is written to a temporary file so clients can pin it; without it, verification fails.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SimTls {
  key: string;
  cert: string;
  caPem: string;
  caFile: string;
  /** Removes the temporary directory holding the CA file. */
  cleanup(): Promise<void>;
}

export async function createTls(): Promise<SimTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 86400_000);
  const ca = await generate([{ name: 'commonName', value: 'VergeOS Simulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'vergeos-sim-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert, { mode: 0o644 });
  return {
    key: server.private,
    cert: server.cert,
    caPem: ca.cert,
    caFile,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
