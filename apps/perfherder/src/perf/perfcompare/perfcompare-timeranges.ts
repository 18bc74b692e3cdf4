/** `PERFHERDER_TIMERANGES` values in seconds: 1, 2, 7, 14, 30, 60, 90 days and a year. */
export const PERFHERDER_TIMERANGES = [
  86400, 172800, 604800, 1209600, 2592000, 5184000, 7776000, 31536000,
] as const;

const LARGEST_RANGE = 31536000;

/**
 * The recomputed `interval` of a comparison with a base revision: the first time range that covers the
 * age (rounded seconds) of the older push. Null when that push is older than a year (the reference
 * answers 500 there; the route answers 400).
 */
export function intervalForPushes(nowMs: number, baseTime: Date, newTime: Date): number | null {
  const oldest = Math.min(baseTime.getTime(), newTime.getTime());
  const age = Math.round((nowMs - oldest) / 1000);
  return PERFHERDER_TIMERANGES.find((range) => range >= age) ?? null;
}

/**
 * The graphs link's `timerange`: for each push the smallest range strictly greater than its age, then
 * the largest of those. A push older than a year counts as a year (the reference fails with a 500).
 */
export function graphsTimerange(nowMs: number, pushTimes: readonly Date[]): number {
  let result = 0;
  for (const time of pushTimes) {
    const age = (nowMs - time.getTime()) / 1000;
    const range = PERFHERDER_TIMERANGES.find((r) => age < r) ?? LARGEST_RANGE;
    result = Math.max(result, range);
  }
  return result;
}

/** Python's `urllib.parse.quote_plus`: only `A-Za-z0-9_.-~` stay, a space becomes `+`. */
export function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The `graphs_link` of a row (spec §3.12). `framework` is the query value; null prints as Python's `None`. */
export function graphsLink(link: {
  baseRepository: string;
  newRepository: string;
  baseRevision: string | null;
  newRevision: string;
  framework: number | null;
  timerange: number;
  signatureHash: string;
}): string {
  const params: string[] = [];
  if (link.baseRevision) params.push(`highlightedRevisions=${quotePlus(link.baseRevision.slice(0, 12))}`);
  params.push(`highlightedRevisions=${quotePlus(link.newRevision.slice(0, 12))}`);
  const framework = link.framework === null ? 'None' : String(link.framework);
  const series = (repo: string) =>
    `series=${quotePlus([repo, link.signatureHash, '1', framework].join(','))}`;
  if (link.baseRepository === link.newRepository) {
    params.push(series(link.newRepository));
  } else {
    params.push(series(link.baseRepository), series(link.newRepository));
  }
  params.push(`timerange=${link.timerange}`);
  return `https://treeherder.mozilla.org/perfherder/graphs?${params.join('&')}`;
}
