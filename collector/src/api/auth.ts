import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Express, Request, RequestHandler } from 'express';
import { AuthErrors, ModelwatchError } from '@modelwatch/core';

/**
 * Scopes a collector token can carry. `reader`: GET the registry, reports and records; `writer`:
 * upload/activate/delete baselines and push windows; `labeller`: labels, feedback and review
 * decisions; `admin`: all of them.
 */
export const SCOPES = ['reader', 'writer', 'labeller', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenSpec {
  /** Shown in logs and 403 answers instead of the secret. */
  name: string;
  token: string;
  scopes: readonly Scope[];
}

/** Closed set of `reason` values of modelwatch_collector_auth_failures_total. */
export type AuthFailureReason = 'missing_token' | 'invalid_token' | 'forbidden' | 'client_certificate';

interface Entry {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<Scope>;
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="modelwatch"' };
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Every token the collector accepts, with its scopes. The policy, in one place:
 * - no token configured: everything is open (the collector binds to loopback by default);
 * - any token configured: writer, labeller and admin requests need a token carrying that scope
 *   (admin implies all);
 * - reads are closed only once some token lists the `reader` scope explicitly, so a lone admin
 *   token (the historical `--token`) protects writes and leaves dashboards and sidecars reading.
 */
export class TokenTable {
  private readonly entries: Entry[];
  readonly readsClosed: boolean;
  readonly writesClosed: boolean;

  constructor(specs: readonly TokenSpec[] = []) {
    this.entries = specs.map((s) => ({ name: s.name, digest: digest(s.token), scopes: new Set(s.scopes) }));
    this.writesClosed = specs.length > 0;
    this.readsClosed = specs.some((s) => s.scopes.includes('reader'));
  }

  /** True when requests needing `scope` must present a token. */
  closed(scope: Scope): boolean {
    return scope === 'reader' ? this.readsClosed : this.writesClosed;
  }

  /**
   * The entry whose token matches. Both sides are hashed so every comparison is constant-time
   * whatever the presented length, and every entry is compared (no early exit on a match) so the
   * time says nothing about which entry matched.
   */
  find(presented: string): { name: string; scopes: ReadonlySet<Scope> } | undefined {
    const d = digest(presented);
    let found: Entry | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(d, e.digest) && found === undefined) found = e;
    }
    return found;
  }

  /** One line for the startup log: what is open and what is not. */
  describe(): string {
    if (this.entries.length === 0) {
      return 'no tokens configured: reads and writes are open to anyone who can reach the port (set --token or --tokens)';
    }
    const reads = this.readsClosed ? 'reads need a reader token' : 'reads are open (no token has the reader scope)';
    return `${this.entries.length} token(s): writes need a token with the writer, labeller or admin scope; ${reads}`;
  }
}

const TABLE_KEY = 'modelwatchTokens';
const EMPTY = new TokenTable();

/** Installs the token table that requireScope() consults for every route of `app`. */
export function installTokens(app: Express, table: TokenTable): void {
  app.locals[TABLE_KEY] = table;
}

function tableOf(req: Request): TokenTable {
  return (req.app.locals[TABLE_KEY] as TokenTable | undefined) ?? EMPTY;
}

/** Called on each refusal, to count it (set by buildApp). */
export type AuthFailureHook = (reason: AuthFailureReason) => void;
const HOOK_KEY = 'modelwatchAuthFailure';

export function installAuthFailureHook(app: Express, hook: AuthFailureHook): void {
  app.locals[HOOK_KEY] = hook;
}

function refuse(req: Request, reason: AuthFailureReason, err: ModelwatchError): ModelwatchError {
  (req.app.locals[HOOK_KEY] as AuthFailureHook | undefined)?.(reason);
  return err;
}

/**
 * Middleware: the request needs a token with `scope` (or admin) when the table closes that scope.
 * Answers 401 (no or unknown token, with a Bearer challenge) or 403 (known token, wrong scope)
 * through the error catalogue. The token's name is left on `res.locals.tokenName` for logs.
 */
export function requireScope(scope: Scope, opts: { payloads?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const table = tableOf(req);
    // Stored prediction payloads may hold personal data: closed as soon as any token exists,
    // even while plain reads (registry, reports) stay open.
    if (!(opts.payloads ? table.writesClosed : table.closed(scope))) return next();
    const header = req.get('authorization');
    const m = header === undefined ? null : BEARER.exec(header);
    if (!m) return next(refuse(req, 'missing_token', new ModelwatchError(AuthErrors.missingToken, {}, CHALLENGE)));
    const entry = table.find(m[1]);
    if (!entry) return next(refuse(req, 'invalid_token', new ModelwatchError(AuthErrors.invalidToken, {}, CHALLENGE)));
    if (!entry.scopes.has(scope) && !entry.scopes.has('admin')) {
      return next(refuse(req, 'forbidden', new ModelwatchError(AuthErrors.forbidden, { name: entry.name, scope })));
    }
    res.locals.tokenName = entry.name;
    next();
  };
}

/** Paths a load balancer or kubelet probes without a client certificate. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Middleware for HTTPS with a client CA: the TLS layer asks every client for a certificate and
 * records whether it chains to the CA; a call without a valid one is answered 401 in JSON (a
 * handshake refusal would tell the client nothing). Probes are exempt.
 */
export function requireClientCertificate(onRefused: () => void): RequestHandler {
  return (req, _res, next) => {
    if (PROBES.has(req.path) || (req.socket as TLSSocket).authorized === true) return next();
    onRefused();
    next(new ModelwatchError(AuthErrors.clientCertificate));
  };
}
