export { type CapturedQuery, captureQueries } from './capture-queries.ts';
