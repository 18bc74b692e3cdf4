// The routing status page's view: pure functions from the status JSON to HTML and inline SVG, used by the
// server (the first render) and, inlined into the page as a module script, by the browser (each poll).
// Plain JavaScript with no import, so the same text runs in both; types in status-view.d.ts.

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 160;
const PAD = { left: 56, right: 12, top: 10, bottom: 22 };
const PALETTE = ['#2563eb', '#d97706', '#7c3aed', '#0d9488', '#db2777', '#65a30d'];

/** Badge colour of a state: green serves reads, amber waits (lag, first probe), red is out. */
const STATE_COLOR = {
  healthy: 'green',
  lagging: 'amber',
  starting: 'amber',
  ejected: 'red',
  not_a_replica: 'red',
};

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** @param {number | null | undefined} ms */
export function formatMs(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** @param {number | null | undefined} bytes */
function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** @param {number} at */
function clockTime(at) {
  return new Date(at).toISOString().slice(11, 19);
}

/** @param {number} share a fraction, or NaN */
function percent(share) {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : '—';
}

/** The replica names the page knows, in a stable order (the colours follow it). */
function replicaNames(model) {
  const names = new Set((model.routing.replicas ?? []).map((r) => r.name));
  for (const s of model.history.samples) for (const r of s.replicas) names.add(r.name);
  return [...names].sort();
}

/** Share of statements a replica served over the samples given. */
function replicaShare(samples) {
  let statements = 0;
  let reads = 0;
  for (const s of samples) {
    statements += s.statements;
    reads += s.replicaReads;
  }
  return { statements, reads, share: statements > 0 ? reads / statements : Number.NaN };
}

function renderSummary(model) {
  const r = model.routing;
  const on = r.routingEnabled;
  const parts = [
    `<span class="badge" data-color="${on ? 'green' : 'amber'}">routing ${on ? 'on' : 'off'}</span>`,
    `consistency <b>${escapeHtml(r.consistency)}</b>`,
  ];
  if (r.selector) parts.push(`selector <b>${escapeHtml(r.selector)}</b>`);
  parts.push(`primary <b>${escapeHtml(`${r.primary.host}:${r.primary.port}`)}</b>`);
  if (r.primary.walLsn) parts.push(`WAL ${escapeHtml(r.primary.walLsn)}`);
  parts.push(`fallbacks <b>${r.fallbacks}</b>`);
  parts.push(`hedged <b>${r.reasons.hedged ?? 0}</b>`);
  const notice = on
    ? ''
    : '<p class="notice" id="kill-switch">Routing is off (kill switch): every statement runs on the primary. ' +
      'It is on only when READ_REPLICA_DATABASE_URL is set and READ_REPLICA_ENABLED is true.</p>';
  return `<p class="summary">${parts.join(' · ')}</p>${notice}`;
}

function renderReplica(replica) {
  const color = STATE_COLOR[replica.state] ?? 'red';
  const detail = [];
  if (replica.reason) detail.push(`reason <b>${escapeHtml(replica.reason)}</b>`);
  detail.push(`for ${formatMs(replica.stateForMs)}`);
  // An ejected replica's last lag is history, not its lag now.
  const out = replica.state === 'ejected' || replica.state === 'not_a_replica';
  if (out) detail.push(`lag unknown (last ${formatMs(replica.lagMs)})`);
  else {
    detail.push(`lag <b data-lag-ms="${replica.lagMs ?? ''}">${formatMs(replica.lagMs)}</b>`);
    detail.push(`${formatBytes(replica.lagBytes)} behind`);
  }
  if (replica.replayPaused) detail.push('<b>replay paused</b>');
  detail.push(`served ${replica.served}`);
  if (replica.lastError && replica.state !== 'healthy')
    detail.push(`last error ${escapeHtml(replica.lastError)}`);
  if (replica.draining) detail.push('draining');
  return (
    `<li class="replica" data-replica="${escapeHtml(replica.name)}" data-state="${escapeHtml(replica.state)}"` +
    ` data-color="${color}"><span class="badge" data-color="${color}">${escapeHtml(replica.state.replace(/_/g, ' '))}</span>` +
    ` <b>${escapeHtml(replica.name)}</b> <span class="host">${escapeHtml(`${replica.host}:${replica.port}`)}</span>` +
    `<div class="detail">${detail.join(' · ')}</div></li>`
  );
}

function renderReplicas(model) {
  const replicas = model.routing.replicas ?? [];
  if (replicas.length === 0) {
    return `<p class="empty">${model.routing.routingEnabled ? 'No replica in the set yet.' : 'No replica: routing is off.'}</p>`;
  }
  return `<ul class="replicas">${replicas.map(renderReplica).join('')}</ul>`;
}

/** x of a time in the window ending at `now`. */
function xOf(at, now, windowMs) {
  const w = WIDTH - PAD.left - PAD.right;
  return PAD.left + Math.max(0, Math.min(w, w - ((now - at) / windowMs) * w));
}

function yOf(value, max) {
  const h = HEIGHT - PAD.top - PAD.bottom;
  return PAD.top + h - (Math.min(value, max) / max) * h;
}

/** Polylines through the points, broken where a value is missing (an ejected replica has no lag). */
function polylines(points, color, attrs = '') {
  const runs = [];
  let run = [];
  for (const p of points) {
    if (p === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(`${p[0].toFixed(1)},${p[1].toFixed(1)}`);
  }
  if (run.length) runs.push(run);
  return runs
    .map((r) =>
      r.length === 1
        ? `<circle cx="${r[0].split(',')[0]}" cy="${r[0].split(',')[1]}" r="2" fill="${color}"${attrs}/>`
        : `<polyline fill="none" stroke="${color}" stroke-width="2" points="${r.join(' ')}"${attrs}/>`,
    )
    .join('');
}

/** Axes, horizontal grid and the time labels of a chart over the window. */
function frame(max, label, windowMs) {
  const lines = [];
  for (const f of [0, 0.5, 1]) {
    const y = yOf(max * f, max);
    lines.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(label(max * f))}</text>`,
    );
  }
  const bottom = HEIGHT - 6;
  lines.push(
    `<text x="${PAD.left}" y="${bottom}">−${escapeHtml(formatMs(windowMs))}</text>`,
    `<text x="${WIDTH - PAD.right}" y="${bottom}" text-anchor="end">now</text>`,
  );
  return lines.join('');
}

function svg(id, body, title) {
  return (
    `<svg id="${id}" xmlns="${SVG_NS}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>${body}</svg>`
  );
}

function renderLagChart(model, names) {
  const { samples, now, windowMs } = model.history;
  let max = 100;
  for (const s of samples) for (const r of s.replicas) if (r.lagMs !== null && r.lagMs > max) max = r.lagMs;
  max = niceCeiling(max);
  const lines = names.map((name, i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = samples.map((s) => {
      const r = s.replicas.find((x) => x.name === name);
      return r && r.lagMs !== null && r.state !== 'ejected'
        ? [xOf(s.at, now, windowMs), yOf(r.lagMs, max)]
        : null;
    });
    return polylines(points, color, ` data-series="${escapeHtml(name)}"`);
  });
  const legend = names
    .map(
      (name, i) => `<span class="key" style="--c:${PALETTE[i % PALETTE.length]}">${escapeHtml(name)}</span>`,
    )
    .join(' ');
  return (
    svg('lag-chart', frame(max, formatMs, windowMs) + lines.join(''), 'Replication lag per replica') +
    `<p class="legend">${legend || 'No replica.'} Gaps: no lag known (ejected, not probed).</p>`
  );
}

/** 1, 2 or 5 times a power of ten, at least `n`. */
function niceCeiling(n) {
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** Samples grouped into buckets of `bucketMs`, so a chart of shares is not a comb of single statements. */
function buckets(samples, bucketMs) {
  const out = [];
  for (const s of samples) {
    const key = Math.floor(s.at / bucketMs);
    const last = out[out.length - 1];
    if (last && last.key === key) last.samples.push(s);
    else out.push({ key, at: s.at, samples: [s] });
  }
  return out.map((b) => ({ at: b.samples[b.samples.length - 1].at, ...replicaShare(b.samples) }));
}

function renderShare(model) {
  const { samples, now, windowMs, sampleMs } = model.history;
  const recent = replicaShare(samples.filter((s) => s.at > now - 10_000));
  const whole = replicaShare(samples);
  const bucketMs = Math.max(sampleMs, 5000);
  const points = buckets(samples, bucketMs).map((b) =>
    Number.isFinite(b.share) ? [xOf(b.at, now, windowMs), yOf(b.share * 100, 100)] : null,
  );
  return (
    `<p class="big"><b id="replica-share" data-share="${Number.isFinite(recent.share) ? recent.share.toFixed(3) : ''}">` +
    `${percent(recent.share)}</b> of ${recent.statements} statements in the last 10 s were served by a replica; ` +
    `${percent(whole.share)} of ${whole.statements} over the last ${escapeHtml(formatMs(windowMs))}.</p>` +
    svg(
      'share-chart',
      frame(100, (v) => `${Math.round(v)}%`, windowMs) + polylines(points, PALETTE[0]),
      'Share of statements served by replicas',
    )
  );
}

/** Statements per routing reason since start, largest first, with a bar of each one's share. */
function renderReasons(model) {
  const reasons = Object.entries(model.routing.reasons ?? {}).filter(([, n]) => n > 0);
  if (reasons.length === 0) return '<p class="empty">No statement yet.</p>';
  reasons.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = reasons[0][1];
  const rows = reasons
    .map(
      ([reason, n]) =>
        `<tr data-reason="${escapeHtml(reason)}" data-count="${n}"><th>${escapeHtml(reason)}</th><td>${n}</td>` +
        `<td class="bar"><span style="width:${Math.max(1, Math.round((n / top) * 100))}%"></span></td></tr>`,
    )
    .join('');
  return `<table class="reasons" id="reasons">${rows}</table>`;
}

/** What an event says, for the timeline. */
function describeEvent(e) {
  if (e.kind === 'fallbacks')
    return { tone: 'amber', text: `${e.count} fallback${e.count === 1 ? '' : 's'} to the primary` };
  if (e.kind === 'hedges') return { tone: 'blue', text: `${e.count} hedged read${e.count === 1 ? '' : 's'}` };
  const who = `<b>${escapeHtml(e.replica)}</b>`;
  if (e.to === 'healthy')
    return { tone: 'green', text: `${who} ${e.from === 'starting' ? 'admitted' : 'readmitted'}` };
  if (e.to === 'lagging') return { tone: 'amber', text: `${who} lagging (lag ${formatMs(e.lagMs)})` };
  const reason = e.reason ? ` (${escapeHtml(e.reason)})` : '';
  return {
    tone: 'red',
    text: `${who} ${e.to === 'ejected' ? 'ejected' : escapeHtml(e.to.replace(/_/g, ' '))}${reason}`,
  };
}

const TONE = { green: '#16a34a', amber: '#d97706', red: '#dc2626', blue: '#2563eb' };

function renderTimeline(model) {
  const { events, now, windowMs } = model.history;
  const marks = events
    .map((e) => {
      const x = xOf(e.at, now, windowMs).toFixed(1);
      const { tone } = describeEvent(e);
      const row = e.kind === 'replica_state' ? 16 : 34;
      return `<rect x="${x}" y="${row}" width="3" height="14" fill="${TONE[tone]}"/>`;
    })
    .join('');
  const strip =
    `<svg id="timeline-chart" xmlns="${SVG_NS}" viewBox="0 0 ${WIDTH} 64" role="img" aria-label="Events over time">` +
    `<title>Events over time</title><text x="${PAD.left - 6}" y="27" text-anchor="end">replicas</text>` +
    `<text x="${PAD.left - 6}" y="45" text-anchor="end">reads</text>` +
    `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="32" y2="32" class="grid"/>${marks}` +
    `<text x="${PAD.left}" y="62">−${escapeHtml(formatMs(windowMs))}</text>` +
    `<text x="${WIDTH - PAD.right}" y="62" text-anchor="end">now</text></svg>`;
  const items = events
    .slice(-50)
    .reverse()
    .map((e) => {
      const { tone, text } = describeEvent(e);
      const attrs =
        e.kind === 'replica_state'
          ? ` data-replica="${escapeHtml(e.replica)}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}"` +
            (e.reason ? ` data-reason="${escapeHtml(e.reason)}"` : '')
          : ` data-count="${e.count}"`;
      return `<li data-kind="${e.kind}"${attrs}><time>${clockTime(e.at)}</time> <span class="dot" data-color="${tone}"></span> ${text}</li>`;
    })
    .join('');
  return `${strip}${items ? `<ol class="events" id="events">${items}</ol>` : '<p class="empty" id="events">No event in the window.</p>'}`;
}

/**
 * The page's content (everything inside `<main>`) for one status: the routing JSON and the history JSON.
 * @param {import('./status-view.d.ts').StatusModel} model
 */
export function renderStatus(model) {
  const names = replicaNames(model);
  const sampleWindow = formatMs(model.history.windowMs);
  return (
    `<section>${renderSummary(model)}</section>` +
    `<section><h2>Replicas</h2>${renderReplicas(model)}</section>` +
    `<section><h2>Lag, last ${sampleWindow}</h2>${renderLagChart(model, names)}</section>` +
    `<section><h2>Reads served by replicas</h2>${renderShare(model)}</section>` +
    `<section><h2>Events: ejections, readmissions, fallbacks, hedges</h2>${renderTimeline(model)}</section>` +
    `<section><h2>Statements by routing reason, since start</h2>${renderReasons(model)}</section>` +
    `<p class="updated" id="updated" data-updated-at="${model.history.now}">Updated ${clockTime(model.history.now)} UTC` +
    `${model.stale ? ' · <b>status unavailable, retrying</b>' : ''}</p>`
  );
}

/**
 * In the browser: polls the two status URLs every `pollMs`, keeps the samples of the window, and redraws
 * `<main>`. The first fetch asks for the whole history, later ones for what is newer than the last sample.
 * @param {import('./status-view.d.ts').PollOptions} options
 */
export function startStatusPage(options) {
  const main = document.getElementById('status');
  let model = options.initial;
  const tick = async () => {
    try {
      const last = model.history.samples[model.history.samples.length - 1];
      // Events of the last interval may come twice (they are as old as the last sample): kept once below.
      const since = last ? `?since=${last.at}` : '';
      const [routing, delta] = await Promise.all([
        fetchJson(options.routingUrl),
        fetchJson(`${options.historyUrl}${since}`),
      ]);
      const keepFrom = delta.now - delta.windowMs;
      const seen = new Set(model.history.events.map((e) => JSON.stringify(e)));
      model = {
        routing,
        stale: false,
        history: {
          ...delta,
          samples: [...model.history.samples, ...delta.samples].filter((s) => s.at >= keepFrom),
          events: [
            ...model.history.events,
            ...delta.events.filter((e) => !seen.has(JSON.stringify(e))),
          ].filter((e) => e.at >= keepFrom),
        },
      };
    } catch {
      model = { ...model, stale: true };
    }
    if (main) main.innerHTML = renderStatus(model);
    setTimeout(tick, options.pollMs);
  };
  setTimeout(tick, options.pollMs);
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}
