/**
 * The CLI's client for the collector's REST API: one place for the base URL, the bearer token
 * (flag, else MODELWATCH_TOKEN) and turning refusals into one plain line for the user.
 */
export class CliUsageError extends Error {}

/** A failure to report and exit 1 with (unreachable collector, refused request). */
export class CollectorCallError extends Error {}

export interface CollectorTarget {
  base: URL;
  token?: string;
}

export function collectorTarget(collector: string | undefined, token: string | undefined): CollectorTarget {
  const text = collector ?? process.env.MODELWATCH_COLLECTOR;
  if (!text) throw new CliUsageError('--collector is required (or set MODELWATCH_COLLECTOR)');
  let base: URL;
  try {
    base = new URL(text.endsWith('/') ? text : `${text}/`);
  } catch {
    throw new CliUsageError(`--collector: not a URL: "${text}"`);
  }
  const t = token ?? process.env.MODELWATCH_TOKEN;
  return t ? { base, token: t } : { base };
}

/** Sends one request; resolves with the response when it is 2xx, else throws CollectorCallError with the collector's message. */
export async function callCollector(target: CollectorTarget, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const url = new URL(path.replace(/^\//, ''), target.base);
  const headers: Record<string, string> = {};
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CollectorCallError(`cannot reach the collector at ${target.base.origin} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (res.ok) return res;
  const text = await res.text();
  let detail = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error?: string; code?: string };
    if (body.error) detail = body.code ? `${body.code}: ${body.error}` : body.error;
  } catch {
    // not JSON: the raw text is the detail
  }
  const hint = res.status === 401 || res.status === 403 ? ' (pass --token or set MODELWATCH_TOKEN)' : '';
  throw new CollectorCallError(`collector answered ${res.status}: ${detail}${hint}`);
}

/** Runs a command body, mapping usage errors to exit 2 and collector failures to exit 1. */
export async function runCommand(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CliUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`modelwatch ${name}: ${(e as Error).message}\n\n${usage}`);
      return 2;
    }
    if (e instanceof CollectorCallError || (e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'EACCES') {
      console.error(`modelwatch ${name}: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}
