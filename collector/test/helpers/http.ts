export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** fetch + JSON decode; `token` adds the bearer header, a string body is sent as-is. */
export async function call(
  url: string,
  init: { method?: string; body?: unknown; token?: string; type?: string } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: BodyInit | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' || init.body instanceof Uint8Array ? (init.body as BodyInit) : JSON.stringify(init.body);
    headers['content-type'] = init.type ?? 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}
