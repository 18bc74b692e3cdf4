import { readFileSync } from 'node:fs';
import { type PollOptions, renderStatus, type StatusModel } from './status-view.js';

/** The view's source, inlined into the page: the browser redraws with the same code the server drew with. */
const VIEW_SOURCE = readFileSync(new URL('./status-view.js', import.meta.url), 'utf8');

const STYLE = `
:root { font: 14px/1.45 system-ui, sans-serif; color: #111827; background: #f9fafb; }
body { margin: 0 auto; max-width: 780px; padding: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.badge { display: inline-block; min-width: 64px; text-align: center; border-radius: 10px; padding: 1px 8px;
  font-weight: 600; color: #fff; background: #6b7280; }
[data-color=green].badge, [data-color=green].dot { background: #16a34a; }
[data-color=amber].badge, [data-color=amber].dot { background: #d97706; }
[data-color=red].badge, [data-color=red].dot { background: #dc2626; }
[data-color=blue].dot { background: #2563eb; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; }
.replicas { list-style: none; padding: 0; margin: 0; } .replica { padding: 4px 0; }
.replica .detail, .host, .legend, .updated, .empty { color: #4b5563; font-size: 12px; }
.notice { background: #fef3c7; border: 1px solid #d97706; padding: 6px 8px; border-radius: 4px; }
.big { font-size: 15px; } .big b { font-size: 22px; }
svg { width: 100%; height: auto; display: block; } svg text { font-size: 11px; fill: #4b5563; }
svg .grid { stroke: #e5e7eb; }
.key::before { content: ''; display: inline-block; width: 12px; height: 3px; margin-right: 4px;
  vertical-align: middle; background: var(--c); }
.events { list-style: none; padding: 0; margin: 6px 0 0; max-height: 260px; overflow: auto; font-size: 13px; }
.events time { color: #6b7280; font-variant-numeric: tabular-nums; }
.reasons { border-collapse: collapse; width: 100%; font-size: 13px; }
.reasons th { text-align: left; font-weight: 500; width: 160px; } .reasons td { text-align: right; width: 70px; }
.reasons td.bar { width: auto; text-align: left; padding-left: 10px; }
.reasons .bar span { display: inline-block; height: 9px; background: #93c5fd; }
`;

/** A JSON value safe inside `<script>`: no `</script>` or `<!--` can close or confuse it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The status page: the first status drawn on the server (readable without script), then redrawn in place
 * from the JSON every `pollMs`. Everything is inline: the page loads nothing from the network but the JSON.
 */
export function renderStatusPage(options: PollOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Perfherder: read-replica routing status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-routing="${options.initial.routing.routingEnabled ? 'on' : 'off'}">
<h1>Read-replica routing</h1>
<main id="status">${renderStatus(options.initial)}</main>
<script type="module">
${VIEW_SOURCE}
startStatusPage(${scriptJson(options)});
</script>
</body>
</html>
`;
}

export type { StatusModel };
