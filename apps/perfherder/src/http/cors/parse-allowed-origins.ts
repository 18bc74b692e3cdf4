/**
 * Reads `CORS_ALLOWED_ORIGINS`: unset, empty or `*` → every origin; otherwise a comma-separated list of
 * origins, each `http(s)://host[:port]` with nothing after it (a trailing `/` is tolerated), returned in
 * their serialized form (lower-case host, default port dropped), which is how browsers send `Origin`.
 * Returns an error message for anything else, for the caller to raise naming the variable.
 *
 * @example
 * parseAllowedOrigins('https://perf.compare, http://localhost:3000/'); // ['https://perf.compare', 'http://localhost:3000']
 * parseAllowedOrigins('*'); // '*'
 */
export function parseAllowedOrigins(raw: string | undefined): '*' | readonly string[] | { error: string } {
  const text = raw?.trim() ?? '';
  if (text === '' || text === '*') return '*';
  const origins: string[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') return { error: 'has an empty entry (two commas, or a comma at an end)' };
    if (entry === '*') return { error: '"*" must stand alone (it allows every origin)' };
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      /[?#]/.test(entry) ||
      url.username !== '' ||
      url.password !== ''
    ) {
      return {
        error: `entry "${entry}" is not an origin: use scheme://host[:port] (http or https), with no path, query or credentials`,
      };
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
}
