// Small hand-written SVG charts. The plot stretches to its box (preserveAspectRatio="none", strokes that do not
// scale), while titles, axis values and the latest readings are HTML text around it: readable at any width, and
// never a visual-only signal. Series differ by dash pattern and markers as well as colour.
import { el, svg } from './dom.js';
import { formatRate } from './format.js';

const WIDTH = 1000;
const HEIGHT = 300;
const GRID_LINES = 4;

/** A "nice" round number at or above value: 1, 2, 2.5 or 5 times a power of ten. */
function niceCeil(value) {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value - 1e-12);
  return step * power;
}

/** An axis value: whole numbers from 100, one decimal from 1, two below (the readout carries the precision). */
function formatAxis(value) {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 1 : 2;
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** The y range to show: from 0 (rates) or from the data (losses), never empty. */
function yDomain(values, { fromZero, minSpan }) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, minSpan];
  let low = fromZero ? 0 : Math.min(...finite);
  let high = Math.max(...finite);
  if (fromZero) return [0, Math.max(niceCeil(high), minSpan)];
  const pad = Math.max((high - low) * 0.08, minSpan / 2);
  low = Math.max(0, low - pad);
  high += pad;
  return [low, high];
}

function chartFrame({ title, testid, yTitle, xTitle, legend }) {
  const plot = svg('svg', {
    class: 'chart-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title,
  });
  const yMax = el('span', { class: 'chart-y-max' });
  const yMin = el('span', { class: 'chart-y-min' });
  const xMin = el('span', { class: 'chart-x-min' });
  const xMax = el('span', { class: 'chart-x-max' });
  const readout = el('dl', { class: 'readout', dataset: { testid: `${testid}-readout` } });
  const root = el('figure', { class: 'chart', dataset: { testid } },
    el('figcaption', { class: 'chart-title' }, title),
    readout,
    el('div', { class: 'chart-body' },
      el('div', { class: 'chart-y', 'aria-hidden': 'true' }, yMax, el('span', { class: 'chart-y-title' }, yTitle), yMin),
      el('div', { class: 'chart-area' }, plot)),
    el('div', { class: 'chart-x', 'aria-hidden': 'true' }, xMin, el('span', { class: 'chart-x-title' }, xTitle), xMax),
    legend);
  return { root, plot, yMax, yMin, xMin, xMax, readout };
}

function gridLines() {
  const lines = [];
  for (let i = 0; i <= GRID_LINES; i += 1) {
    const y = (HEIGHT * i) / GRID_LINES;
    lines.push(svg('line', { class: 'grid-line', x1: 0, x2: WIDTH, y1: y, y2: y, 'vector-effect': 'non-scaling-stroke' }));
  }
  return lines;
}

function legendSample(series) {
  return svg('svg', { class: 'legend-sample', viewBox: '0 0 30 10', width: 30, height: 10, 'aria-hidden': 'true' },
    svg('line', { class: `series ${series.class}`, x1: 1, x2: 29, y1: 5, y2: 5, 'stroke-dasharray': series.dash || null }),
    series.markers ? svg('circle', { class: `series-marker ${series.class}`, cx: 15, cy: 5, r: 3 }) : null);
}

/**
 * A line chart of one or more series over a shared x range.
 * series: [{ key, label, class ('s1'...'s3': colour), dash (SVG dasharray), markers }].
 * update({ points: { key: [{ x, y }] }, xRange: [min, max], xLabels: [left, right], gap }) — y null or a jump in
 * x over gap breaks the line. The readout shows each series' latest value with format; axis ends use axisFormat.
 */
export function createLineChart({ title, testid, unit = '', yTitle = unit, xTitle, series, format = formatRate, axisFormat = formatAxis, fromZero = true, minSpan = 1 }) {
  const legend = series.length > 1
    ? el('ul', { class: 'chart-legend', 'aria-hidden': 'true' },
      series.map((s) => el('li', {}, legendSample(s), s.label)))
    : null;
  const frame = chartFrame({ title, testid, yTitle, xTitle, legend });
  const readings = new Map(series.map((s) => {
    const value = el('dd', { dataset: { testid: `${testid}-${s.key}` } }, '—');
    frame.readout.append(el('div', { class: 'reading' }, el('dt', {}, s.label), value));
    return [s.key, value];
  }));
  const withUnit = (value) => (unit ? `${format(value)} ${unit}` : format(value));

  function update({ points, xRange, xLabels, gap = Infinity }) {
    const all = series.flatMap((s) => (points[s.key] ?? []).map((p) => p.y)).filter((y) => y != null);
    const [low, high] = yDomain(all, { fromZero, minSpan });
    const [xLow, xHigh] = xRange[1] > xRange[0] ? xRange : [xRange[0], xRange[0] + 1];
    const sx = (x) => ((x - xLow) / (xHigh - xLow)) * WIDTH;
    const sy = (y) => HEIGHT - ((y - low) / (high - low)) * HEIGHT;

    const paths = series.map((s) => {
      const visible = (points[s.key] ?? []).filter((p) => p.x >= xLow && p.x <= xHigh);
      let d = '';
      let previous = null;
      const dots = [];
      for (const p of visible) {
        if (p.y == null || !Number.isFinite(p.y)) {
          previous = null;
          continue;
        }
        const move = !previous || p.x - previous.x > gap;
        d += `${move ? 'M' : 'L'}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)} `;
        if (s.markers) dots.push(`M${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)} l0 0 `);
        previous = p;
      }
      return [
        svg('path', { class: `series ${s.class}`, d: d || 'M0 0', 'stroke-dasharray': s.dash || null, 'vector-effect': 'non-scaling-stroke', visibility: d ? null : 'hidden' }),
        dots.length ? svg('path', { class: `series-marker ${s.class}`, d: dots.join(''), 'vector-effect': 'non-scaling-stroke' }) : null,
      ];
    });
    frame.plot.replaceChildren(...gridLines(), ...paths.flat().filter(Boolean));

    frame.yMax.textContent = axisFormat(high);
    frame.yMin.textContent = axisFormat(low);
    frame.xMin.textContent = xLabels[0];
    frame.xMax.textContent = xLabels[1];
    const summary = [];
    for (const s of series) {
      // The very last point, even when it has no value (a TTFT-less second reads "—", not an old figure).
      const list = points[s.key] ?? [];
      const latest = list[list.length - 1];
      const text = latest && latest.y != null && Number.isFinite(latest.y) ? withUnit(latest.y) : '—';
      readings.get(s.key).textContent = text;
      summary.push(`${s.label} ${text}`);
    }
    frame.plot.setAttribute('aria-label',
      `${title}. Latest: ${summary.join(', ')}. Axis from ${format(low)} to ${format(high)}${unit ? ` ${unit}` : ''}, ${xLabels[0]} to ${xLabels[1]}.`);
  }

  return { root: frame.root, update };
}

/**
 * A bar chart of a list of values (one bar per item, in order), e.g. the sampling temperature of each token.
 * The readout gives the count, minimum, mean and maximum. name (default: title) is the plot's accessible name.
 */
export function createBarChart({ title, name = title, testid, yTitle, xTitle, itemName = 'items', format = (v) => v.toFixed(2), minMax = 1 }) {
  const frame = chartFrame({ title, testid, yTitle, xTitle, legend: null });
  frame.plot.setAttribute('aria-label', name);
  const readout = el('dd', { dataset: { testid: `${testid}-summary` } }, '—');
  frame.readout.append(el('div', { class: 'reading' }, el('dt', {}, 'Summary'), readout));

  function update(values, titles = []) {
    const high = Math.max(niceCeil(Math.max(0, ...values.filter(Number.isFinite))), minMax);
    const width = WIDTH / Math.max(values.length, 1);
    const bars = values.map((value, index) => {
      const height = Number.isFinite(value) ? (Math.max(value, 0) / high) * HEIGHT : 0;
      return svg('rect', {
        class: 'bar', x: (index * width + width * 0.1).toFixed(2), width: (width * 0.8).toFixed(2),
        y: (HEIGHT - height).toFixed(2), height: height.toFixed(2),
      }, svg('title', {}, titles[index] ?? format(value)));
    });
    frame.plot.replaceChildren(...gridLines(), ...bars);
    frame.yMax.textContent = format(high);
    frame.yMin.textContent = format(0);
    frame.xMin.textContent = values.length ? '1' : '';
    frame.xMax.textContent = values.length ? String(values.length) : '';
    const finite = values.filter(Number.isFinite);
    const text = finite.length
      ? `${finite.length} ${itemName}: min ${format(Math.min(...finite))}, mean ${format(finite.reduce((a, b) => a + b, 0) / finite.length)}, max ${format(Math.max(...finite))}`
      : `No ${itemName}`;
    readout.textContent = text;
    frame.plot.setAttribute('aria-label', `${name}. ${text}.`);
  }

  update([]);
  return { root: frame.root, update };
}
