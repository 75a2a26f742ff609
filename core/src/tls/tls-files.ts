import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigErrors } from '../errors/catalogue.js';
import { ConfigError } from '../errors/config-error.js';

/** PEM files of a TLS server (and the CA its clients' certificates must chain to, when set). */
export interface TlsFiles {
  cert: string;
  key: string;
  /** CA bundle for client certificates (collector) or for the peer the client talks to. */
  ca?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(ConfigErrors.tls, key, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Reads and checks certificate, key (and CA) files: the pair must load into a TLS context, so a
 * wrong file or a key that does not match the certificate fails at startup (or at a SIGHUP
 * reload, which then keeps the previous certificate) with a coded message instead of at the
 * first handshake. `keyPrefix` names the option in messages (`tls`, `--tls-cert`…).
 */
export function readTlsFiles(files: TlsFiles, keyPrefix = 'tls'): TlsMaterial {
  const material: TlsMaterial = { cert: read(files.cert, `${keyPrefix}.cert`), key: read(files.key, `${keyPrefix}.key`) };
  if (files.ca !== undefined) material.ca = read(files.ca, `${keyPrefix}.ca`);
  try {
    createSecureContext(material);
  } catch (err) {
    throw new ConfigError(ConfigErrors.tls, keyPrefix, `${files.cert} and ${files.key} are not a usable certificate and key: ${(err as Error).message}`);
  }
  return material;
}

/** Reads a CA bundle a client uses to verify a server (https upstream, https collector). */
export function readCaFile(path: string, key: string): Buffer {
  const ca = read(path, key);
  try {
    createSecureContext({ ca });
  } catch (err) {
    throw new ConfigError(ConfigErrors.tls, key, `${path} is not a PEM CA bundle: ${(err as Error).message}`);
  }
  return ca;
}
