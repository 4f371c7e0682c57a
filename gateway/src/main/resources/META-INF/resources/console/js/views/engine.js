// Engine tab: the last two minutes of Monitor/Watch samples as charts (throughput, load, time to first token),
// each with its latest value as text.
import { createLineChart } from '../charts.js';
import { createConnectionBadge } from '../connection.js';
import { el } from '../dom.js';
import { formatTime, toNumber } from '../format.js';
import { WINDOW_MS, whileShown } from '../monitor-feed.js';

const GAP_MS = 3500; // a missing sample or two (a reconnection) breaks the line instead of bridging it
const X_TITLE = 'Time (last 2 minutes)';
const integer = (value) => Math.round(value).toLocaleString();

export function createEngineView(ctx) {

  const badge = createConnectionBadge('engine-connection');
  const scope = el('p', { class: 'muted', dataset: { testid: 'engine-scope' } }, 'Waiting for the first sample…');
  const charts = {
    tokens: createLineChart({
      title: 'Tokens per second', testid: 'chart-tokens-per-second', unit: 'tokens/s', xTitle: X_TITLE,
      series: [{ key: 'latest', label: 'Tokens/s', class: 's1' }],
    }),
    requests: createLineChart({
      title: 'Requests per second', testid: 'chart-requests-per-second', unit: 'req/s', xTitle: X_TITLE,
      series: [{ key: 'latest', label: 'Requests/s', class: 's2' }],
    }),
    load: createLineChart({
      title: ctx.isAdmin ? 'Batch size and queue depth' : 'Requests in flight',
      testid: 'chart-load', yTitle: 'requests', xTitle: X_TITLE, format: integer,
      series: [
        { key: 'in-flight', label: 'In flight', class: 's1' },
        // Batch slots and the queue are whole-engine figures, sent to admins only.
        ...(ctx.isAdmin ? [
          { key: 'running', label: 'Batch size (running)', class: 's2', dash: '8 5' },
          { key: 'queued', label: 'Queue depth', class: 's3', dash: '2 4', markers: true },
        ] : []),
      ],
    }),
    ttft: createLineChart({
      title: 'Time to first token', testid: 'chart-ttft', unit: 'ms', xTitle: X_TITLE,
      series: [{ key: 'latest', label: 'Mean TTFT', class: 's3', markers: true }],
    }),
  };

  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, el('h2', {}, 'Engine'), badge.root),
    scope,
    el('div', { class: 'chart-grid' }, Object.values(charts).map((chart) => chart.root)));

  function onSample(sample, samples) {
    scope.textContent = `${sample.scope ? `Tenant ${sample.scope}` : 'Whole engine'} · updated ${formatTime(sample.at)}`;
    const latest = samples[samples.length - 1].t;
    const xRange = [latest - WINDOW_MS, latest];
    const xLabels = [formatTime(new Date(xRange[0]).toISOString()), formatTime(new Date(latest).toISOString())];
    const series = (pick) => samples.map(({ t, sample: s }) => ({ x: t, y: pick(s) }));
    const update = (chart, points) => chart.update({ points, xRange, xLabels, gap: GAP_MS });

    update(charts.tokens, { latest: series((s) => toNumber(s.tokensPerSecond)) });
    update(charts.requests, { latest: series((s) => toNumber(s.requestsPerSecond)) });
    update(charts.load, {
      'in-flight': series((s) => toNumber(s.inFlight)),
      running: series((s) => toNumber(s.running)),
      queued: series((s) => toNumber(s.queued)),
    });
    // ttftMs is absent when no first token came in the interval: a gap, not a zero.
    update(charts.ttft, { latest: series((s) => (s.ttftMs == null ? null : toNumber(s.ttftMs))) });
  }

  // Empty axes until the first sample.
  const now = Date.now();
  for (const chart of Object.values(charts)) {
    chart.update({ points: {}, xRange: [now - WINDOW_MS, now], xLabels: ['2 min ago', 'now'] });
  }

  return { root, ...whileShown(ctx, badge, onSample) };
}
