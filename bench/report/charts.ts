/**
 * Charts of the benchmark report: Vega-Lite specs compiled to Vega and rendered to SVG in Node by Vega's
 * headless view (renderer 'none', no browser, no canvas). Every mark carries an ARIA description of its
 * data (Vega-Lite's default), so a chart can be checked for its numbers.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** A chart of the report: its file name (next to the report) and what the markdown says it shows. */
export interface Chart {
  readonly file: string;
  readonly title: string;
  readonly spec: ChartSpec;
}

const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const, subtitleFontSize: 11 },
};

/** A color channel for the p50 and p99 lines or bars of a chart, the same two colors in every chart. */
export function percentileColor(title: string) {
  return { field: 'percentile', type: 'nominal' as const, title, scale: { range: ['#4c78a8', '#f58518'] } };
}

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}
