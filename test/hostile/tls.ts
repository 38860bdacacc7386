// A test CA, server and client certificates, made with openssl in a temp directory.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here (a server's certificate does not verify against it). */
  readonly otherCa: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1 and prometheus.test, and a client certificate. */
export function makePki(dir: string): TestPki {
  const f = (n: string) => path.join(dir, n);
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=cdk8s-canary test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
  }
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:prometheus.test\nextendedKeyUsage=serverAuth\n');
  fs.writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who}`, '-keyout', `${who}.key`, '-out', `${who}.csr`);
    openssl(dir, 'x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${who}.ext`, '-out', `${who}.crt`);
  }
  return { dir, ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), otherCa: f('other-ca.crt') };
}
