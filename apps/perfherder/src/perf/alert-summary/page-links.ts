import type { FastifyRequest } from 'fastify';

/** Python's `quote_plus`: only `A-Za-z0-9_.-~` stay, a space becomes `+`. */
function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * DRF's `replace_query_param` / `remove_query_param` on the request's absolute URI: the query is
 * re-encoded with its keys sorted, `key` set to `value` (or removed when `value` is null).
 *
 * @example
 * pageLink(request, 'page', 2); // "http://localhost:80/api/performance/alertsummary/?limit=1&page=2"
 */
export function pageLink(request: FastifyRequest, key: string, value: string | number | null): string {
  const [path = '', query = ''] = request.url.split('?', 2);
  const params = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(query)) {
    const list = params.get(k);
    if (list) list.push(v);
    else params.set(k, [v]);
  }
  if (value === null) params.delete(key);
  else params.set(key, [String(value)]);
  const encoded = [...params.keys()]
    .sort()
    .flatMap((k) => (params.get(k) ?? []).map((v) => `${quotePlus(k)}=${quotePlus(v)}`))
    .join('&');
  const host = request.headers.host ?? request.host;
  return `${request.protocol}://${host}${path}${encoded ? `?${encoded}` : ''}`;
}
