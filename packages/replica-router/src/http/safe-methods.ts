/** The methods that may read from a replica; any other method runs on the primary even on an opted-in route. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
