/**
 * `modelwatch rollout status|set|promote|rollback`: the sidecar's rollout admin API from a shell.
 * Exit 0 on success, 1 when the sidecar refuses the change or cannot be reached, 2 for bad flags.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `Usage: modelwatch rollout <status|set|promote|rollback|events> --admin URL [options]

  status                    the routing, the variants and the last analysis decision
  events                    the latest routing changes (who, when, why, before/after)
  set                       change the routing:
    --canary VARIANT:P        send P % of the traffic to VARIANT   (--no-canary: none)
    --shadow VARIANT:P        copy P % of the requests to VARIANT  (--no-shadow: none)
    --primary VARIANT         switch all traffic to VARIANT (blue-green)
    --automation LEVEL        human | shadow | assistance | partial | full
  promote                   the canary becomes the primary
  rollback                  the canary's share drops to 0 (or the last switch is undone)

  --admin URL               the sidecar's admin API (env MODELWATCH_ADMIN_URL)
  --token-file FILE         bearer token (env MODELWATCH_ADMIN_TOKEN)
  --reason TEXT             why (recorded in the event)
  --json                    print the API's JSON answer`;

class UsageError extends Error {}

function share(v: string, flag: string): { variant: string; percent: number } {
  const i = v.lastIndexOf(':');
  const percent = Number(v.slice(i + 1));
  if (i <= 0 || !Number.isFinite(percent)) throw new UsageError(`${flag}: got "${v}", expected VARIANT:PERCENT such as canary:10`);
  return { variant: v.slice(0, i), percent };
}

interface RoutingView {
  routing: { primary: string; canary: { variant: string; percent: number } | null; shadow: { variant: string; percent: number } | null; automation: string; revision: number };
  variants: { name: string; modelVersion: string; ready: boolean; source: Record<string, string> }[];
  analysis: { at: string; decision: string } | null;
  event?: { action: string; variant: string; actor: string; at: string };
}

function renderStatus(v: RoutingView): string {
  const r = v.routing;
  const role = (name: string) =>
    name === r.primary ? `primary ${100 - (r.canary?.percent ?? 0)}%`
      : r.canary?.variant === name ? `canary ${r.canary.percent}%`
        : r.shadow?.variant === name ? `shadow ${r.shadow.percent}% copied` : 'standby';
  const lines = [
    `revision ${r.revision}, automation ${r.automation}`,
    ...v.variants.map((x) => `  ${x.name.padEnd(12)} ${role(x.name).padEnd(20)} version ${x.modelVersion}  ${x.ready ? 'ready' : 'NOT READY'}  ${x.source.upstream ?? x.source.model}`),
  ];
  if (v.analysis) lines.push(`analysis: ${v.analysis.decision} (${v.analysis.at})`);
  if (v.event) lines.unshift(`${v.event.action} ${v.event.variant} by ${v.event.actor} at ${v.event.at}`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        admin: { type: 'string' },
        'token-file': { type: 'string' },
        reason: { type: 'string' },
        canary: { type: 'string' },
        'no-canary': { type: 'boolean' },
        shadow: { type: 'string' },
        'no-shadow': { type: 'boolean' },
        primary: { type: 'string' },
        automation: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`modelwatch rollout: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const [sub] = positionals;
    const admin = (values.admin ?? process.env.MODELWATCH_ADMIN_URL)?.replace(/\/+$/, '');
    if (!admin) throw new UsageError('missing --admin URL (or MODELWATCH_ADMIN_URL)');
    const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : process.env.MODELWATCH_ADMIN_TOKEN;
    if (!token) throw new UsageError('missing token: --token-file FILE or MODELWATCH_ADMIN_TOKEN');
    const reason = values.reason !== undefined ? { reason: values.reason } : {};
    let method = 'GET';
    let path = '/admin/routing';
    let body: Record<string, unknown> | undefined;
    switch (sub) {
      case 'status':
        break;
      case 'events':
        path = '/admin/events';
        break;
      case 'promote':
      case 'rollback':
        method = 'POST';
        path = `/admin/${sub}`;
        body = reason;
        break;
      case 'set': {
        method = 'PUT';
        body = { ...reason };
        if (values.canary !== undefined) body.canary = share(values.canary, '--canary');
        if (values['no-canary']) body.canary = null;
        if (values.shadow !== undefined) body.shadow = share(values.shadow, '--shadow');
        if (values['no-shadow']) body.shadow = null;
        if (values.primary !== undefined) body.primary = values.primary;
        if (values.automation !== undefined) body.automation = values.automation;
        if (Object.keys(body).length === Object.keys(reason).length) throw new UsageError('set: give --canary, --shadow, --primary or --automation');
        break;
      }
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
    }
    let res: Response;
    try {
      res = await fetch(admin + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      console.error(`modelwatch rollout: MW_ERR_ROLLOUT_ADMIN_UNREACHABLE: the sidecar admin API at ${admin} is unreachable: ${(err as Error).message}`);
      return 1;
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      console.error(`modelwatch rollout: ${String(json.code ?? res.status)}: ${String(json.error ?? res.statusText)}`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify(json, null, 2));
    else if (sub === 'events') {
      for (const e of (json.events as { at: string; actor: string; action: string; variant: string; reason: string }[])) {
        console.log(`${e.at}  ${e.action.padEnd(10)} ${e.variant.padEnd(12)} by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`);
      }
    } else console.log(renderStatus(json as unknown as RoutingView));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`modelwatch rollout: MW_ERR_CLI_USAGE: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
