import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files made by Debian's openssl for one test run, in a private tmp dir. */
export interface TestPki {
  dir: string;
  ca: string;
  /** Server certificate for 127.0.0.1 / localhost, signed by `ca`. */
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by `ca`. */
  clientCert: string;
  clientKey: string;
  /** A second, unrelated CA with a server and a client certificate of its own. */
  otherCa: string;
  otherCert: string;
  otherKey: string;
  /** Issues another server certificate from `ca` (e.g. to rotate it), returning its paths. */
  issueServer(name: string): { cert: string; key: string };
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function newCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=modelwatch test ${name}`], dir);
}

function issue(dir: string, ca: string, name: string, server: boolean): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${server ? '127.0.0.1' : name}`], dir);
  writeFileSync(join(dir, `${name}.ext`), server
    ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
    : 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

/** A CA, a server and a client certificate, plus an unrelated CA: real X.509 from openssl. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mw-pki-'));
  newCa(dir, 'ca');
  issue(dir, 'ca', 'server', true);
  issue(dir, 'ca', 'client', false);
  newCa(dir, 'other-ca');
  issue(dir, 'other-ca', 'other', true);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCa: p('other-ca.crt'),
    otherCert: p('other.crt'),
    otherKey: p('other.key'),
    issueServer(name) {
      issue(dir, 'ca', name, true);
      return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
