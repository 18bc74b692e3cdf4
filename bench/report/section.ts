import type { Chart } from './charts.ts';

/** One section of the report: its heading, its markdown (charts embedded by file name) and its charts. */
export interface Section {
  readonly title: string;
  readonly markdown: string;
  readonly charts: readonly Chart[];
}
