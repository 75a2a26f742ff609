import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An Alertmanager webhook receiver: records every notification it is sent. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Receiver {
  url: string;
  received: { path: string; alerts: WebhookAlert[] }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts: WebhookAlert[] };
        received.push({ path: req.url ?? '/', alerts: body.alerts });
      } catch {
        // a malformed notification is simply not recorded; the test then times out on what it expected
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

export async function promQuery(prometheusUrl: string, query: string): Promise<{ status: string; error?: string; data?: { result: PromResult[] } }> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: PromResult[] } };
}

/** Grafana's template variables with values for the test's model. */
export function substituteGrafanaVariables(expr: string, vars: Record<string, string>): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars[name] ?? m);
}
