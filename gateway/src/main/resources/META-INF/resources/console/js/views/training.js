// Training tab: the jobs table, live from Training/Watch (a snapshot of every visible job, then each change); the
// selected job's loss curve (the job carries it, kept by the gateway) and evaluation metrics; a form for Training/Start;
// Training/Cancel per queued or running job.
import { isAbort } from '../api.js';
import { createLineChart } from '../charts.js';
import { createConnectionBadge } from '../connection.js';
import { dataTable, el, emptyState, field, renderKeepingFocus, scrollRegion, setFieldError } from '../dom.js';
import { parseExamples } from '../examples.js';
import {
  DASH, formatDateTime, formatDuration, formatInteger, formatLoss, formatMetric, shortVersion, toNumber,
} from '../format.js';
import { openLiveStream } from '../live.js';

const KINDS = [['', 'Server default'], ['lora', 'LoRA'], ['prompt', 'Prompt tuning'], ['prefix', 'Prefix tuning'], ['tempnet', 'TempNet']];
const STATE_SYMBOLS = { QUEUED: '◷', RUNNING: '▶', PROMOTED: '★', PUBLISHED: '✓', FAILED: '✕', CANCELLED: '■' };
const ACTIVE_STATES = new Set(['QUEUED', 'RUNNING']);
const ADAPTER_NAME = /^[^/\s@]+\/[^/\s@]+$/;
const MAX_ERRORS_SHOWN = 5;

const shortId = (id) => String(id).slice(0, 8);
const newestFirst = (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id);

/** Pairs eval_* metrics with the baseline_eval_* of the version they would replace. */
function metricRows(metrics = {}) {
  const rows = new Map();
  for (const [key, value] of Object.entries(metrics)) {
    const baseline = key.startsWith('baseline_');
    const name = baseline ? key.slice('baseline_'.length) : key;
    const row = rows.get(name) ?? { name };
    row[baseline ? 'baseline' : 'value'] = value;
    rows.set(name, row);
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function stateBadge(job, testid) {
  const state = job.state || 'UNKNOWN';
  const known = state in STATE_SYMBOLS;
  return el('span', { class: `state state-${known ? state.toLowerCase() : 'unknown'}`, dataset: { testid } },
    el('span', { 'aria-hidden': 'true' }, `${STATE_SYMBOLS[state] ?? '?'} `), state);
}

export function createTrainingView(ctx) {
  const jobs = new Map(); // id -> TrainingJob
  let selectedId = '';
  let connected = false;
  let stream = null;
  let renderTimer = null;
  let starting = false;

  const badge = createConnectionBadge('training-connection');
  const heading = el('h2', { tabindex: -1 }, 'Training');
  const jobsHost = el('div');
  const detailsHost = el('div');
  const lossChart = createLineChart({
    title: 'Loss per step', testid: 'job-loss-chart', yTitle: 'loss', xTitle: 'Step', format: formatLoss, axisFormat: formatLoss,
    fromZero: false, minSpan: 0.01,
    series: [
      { key: 'train', label: 'Train loss', class: 's1' },
      { key: 'validation', label: 'Validation loss', class: 's2', dash: '8 5', markers: true },
    ],
  });

  // --- start form ---------------------------------------------------------------------------------------------

  const adapterInput = el('input', { type: 'text', list: 'train-adapter-options', autocomplete: 'off', spellcheck: 'false', placeholder: 'tenant/name' });
  const adapterOptions = el('datalist', { id: 'train-adapter-options' });
  const kindSelect = el('select', {}, KINDS.map(([value, label]) => el('option', { value }, label)));
  const stepsInput = el('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'default' });
  const rankInput = el('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'default' });
  const minRankInput = el('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'none' });
  const examplesInput = el('textarea', { rows: 5, spellcheck: 'false', class: 'mono' });
  const adapterField = field({ id: 'train-adapter', label: 'Adapter', control: adapterInput, hint: 'tenant/name', error: true });
  const kindField = field({ id: 'train-kind', label: 'Kind', control: kindSelect, hint: 'Empty: the kind its gated alias serves, or the configured default.' });
  const stepsField = field({ id: 'train-steps', label: 'Steps', control: stepsInput, hint: 'Optimizer steps; empty or 0: the configured default.', error: true });
  const rankField = field({ id: 'train-lora-rank', label: 'LoRA rank', control: rankInput, hint: 'LoRA only; empty: the configured rank.', error: true });
  const minRankField = field({
    id: 'train-lora-min-rank', label: 'DyLoRA smallest rank', control: minRankInput, error: true,
    hint: 'LoRA only; a DyLoRA servable at any rank from this one to the LoRA rank.',
  });
  const examplesField = field({
    id: 'train-examples', label: 'Examples (JSON Lines, optional)', control: examplesInput, error: true,
    hint: 'One TrainingExample per line, e.g. {"exampleId":"e1","prompt":"Once upon a time","completion":" there was a dog named Max."}',
  });
  const startButton = el('button', { type: 'submit', class: 'primary' }, 'Start job');
  const form = el('form', { class: 'form-grid', novalidate: true, onSubmit: (event) => { event.preventDefault(); startJob(); } },
    adapterField.root, kindField.root, stepsField.root, rankField.root, minRankField.root,
    el('div', { class: 'field wide' }, examplesField.root),
    el('div', { class: 'button-row wide' }, startButton), adapterOptions);

  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, heading, badge.root),
    el('section', { class: 'card', 'aria-labelledby': 'start-job-title' }, el('h3', { id: 'start-job-title' }, 'Start a training job'), form),
    el('section', { class: 'card', 'aria-labelledby': 'jobs-title' }, el('h3', { id: 'jobs-title' }, 'Jobs'), jobsHost),
    el('section', { class: 'card', 'aria-label': 'Job details' }, detailsHost));

  function validateForm() {
    const adapter = adapterInput.value.trim();
    const problems = [];
    const adapterError = ADAPTER_NAME.test(adapter) ? '' : 'Enter the adapter as tenant/name.';
    setFieldError(adapterInput, adapterField.error, adapterError);
    if (adapterError) problems.push(adapterInput);

    // Empty is 0 (the server's default); anything else must be a whole number, which the server checks further.
    const wholeNumber = (input, errorHost, label) => {
      const text = input.value.trim();
      const value = text === '' ? 0 : Number(text);
      const error = Number.isInteger(value) && value >= 0 && value <= 2 ** 31 - 1 ? '' : `${label} must be a whole number, 0 or more.`;
      setFieldError(input, errorHost, error);
      if (error) problems.push(input);
      return value;
    };
    const steps = wholeNumber(stepsInput, stepsField.error, 'Steps');
    const loraRank = wholeNumber(rankInput, rankField.error, 'LoRA rank');
    const loraMinRank = wholeNumber(minRankInput, minRankField.error, 'DyLoRA smallest rank');

    const { examples, errors } = parseExamples(examplesInput.value, adapter);
    const examplesError = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => `Line ${e.line}: ${e.message}`).join('\n')
      + (errors.length > MAX_ERRORS_SHOWN ? `\n…and ${errors.length - MAX_ERRORS_SHOWN} more lines.` : '');
    setFieldError(examplesInput, examplesField.error, examplesError);
    if (examplesError) problems.push(examplesInput);

    problems[0]?.focus();
    return problems.length ? null : { adapter, kind: kindSelect.value, steps, loraRank, loraMinRank, examples };
  }

  async function startJob() {
    if (starting) return;
    const request = validateForm();
    if (!request) return;
    const body = { adapter: request.adapter };
    if (request.kind) body.kind = request.kind;
    if (request.steps) body.steps = request.steps;
    if (request.loraRank) body.loraRank = request.loraRank;
    if (request.loraMinRank) body.loraMinRank = request.loraMinRank;
    if (request.examples.length) body.examples = request.examples;
    starting = true;
    startButton.setAttribute('aria-disabled', 'true');
    try {
      const job = await ctx.api.call('Training', 'Start', body, { signal: ctx.signal });
      onJob(job);
      selectedId = job.id;
      ctx.notify.status(`Started job ${job.id} for ${job.adapter} (${job.state}).`);
      scheduleRender();
    } catch (error) {
      if (!isAbort(error)) ctx.notify.error(error, 'Start job');
    } finally {
      starting = false;
      startButton.removeAttribute('aria-disabled');
    }
  }

  async function loadAdapterNames() {
    try {
      const response = await ctx.api.call('Adapters', 'List', {}, { signal: ctx.signal });
      adapterOptions.replaceChildren(...(response.adapters ?? []).map((a) => el('option', { value: a.name })));
    } catch (error) {
      if (!isAbort(error)) console.warn('adapter names for the Start job form:', error); // the field still takes any name
    }
  }

  // --- jobs ---------------------------------------------------------------------------------------------------

  function onJob(job) {
    if (!job?.id) return;
    jobs.set(job.id, job);
    scheduleRender();
  }

  async function cancelJob(job) {
    const confirmed = await ctx.confirm({
      title: `Cancel job ${shortId(job.id)}`,
      message: `Cancel training job ${job.id} of ${job.adapter}? A queued job stops at once, a running one at its next step.`,
      tone: 'danger',
    });
    if (!confirmed) return;
    try {
      const updated = await ctx.api.call('Training', 'Cancel', { id: job.id }, { signal: ctx.signal });
      onJob(updated);
      ctx.notify.status(updated.state === 'CANCELLED'
        ? `Cancelled job ${job.id}.`
        : `Cancel requested for job ${job.id}; it stops at its next step.`);
    } catch (error) {
      if (!isAbort(error)) ctx.notify.error(error, 'Cancel job');
    }
  }

  function select(id) {
    selectedId = id;
    scheduleRender();
  }

  // --- rendering ----------------------------------------------------------------------------------------------

  function metricsSummary(metrics) {
    const rows = metricRows(metrics);
    if (!rows.length) return DASH;
    // Compact for the table: "loss" for eval_loss (the full name in the title and in the job's details).
    return el('dl', { class: 'pairs' }, rows.map((row) => el('div', {},
      el('dt', { title: row.name }, row.name.replace(/^eval_/, '')),
      el('dd', {}, row.value != null ? formatMetric(row.value) : DASH,
        row.baseline != null ? el('span', { class: 'muted' }, ` (was ${formatMetric(row.baseline)})`) : null))));
  }

  function jobsTable() {
    const list = [...jobs.values()].sort(newestFirst);
    if (!list.length) return emptyState(connected ? 'No jobs.' : 'Loading jobs…', 'jobs-empty');
    return scrollRegion('Training jobs', dataTable({
      caption: 'Training jobs, newest first',
      captionHidden: true,
      class: 'dense',
      columns: [
        { label: 'Job' }, { label: 'Adapter' }, { label: 'Kind' }, { label: 'Trigger' }, { label: 'State' },
        { label: 'Step', class: 'num' }, { label: 'Train loss', class: 'num' },
        { label: el('abbr', { title: 'Validation loss' }, 'Val. loss'), class: 'num' },
        { label: 'ETA', class: 'num' }, { label: 'Examples', class: 'num' }, { label: 'Version' }, { label: 'Reason' },
        { label: 'Metrics' }, { label: 'Actions', class: 'actions' },
      ],
      rows: list.map((job) => {
        const id = job.id;
        const active = ACTIVE_STATES.has(job.state);
        return {
          props: { class: id === selectedId ? 'selected' : null, dataset: { testid: `job-${id}` } },
          cells: [
            el('button', {
              type: 'button', class: 'link mono', title: id, 'aria-label': `Show job ${id}`,
              'aria-current': id === selectedId ? 'true' : null, dataset: { testid: `select-job-${id}` }, onClick: () => select(id),
            }, shortId(id)),
            job.adapter,
            job.kind || DASH,
            job.trigger || DASH,
            stateBadge(job, `job-${id}-state`),
            el('span', { dataset: { testid: `job-${id}-step` } }, `${job.step ?? 0}/${job.totalSteps ?? 0}`),
            el('span', { dataset: { testid: `job-${id}-train-loss` } }, formatLoss(job.trainLoss)),
            el('span', { dataset: { testid: `job-${id}-validation-loss` } }, formatLoss(job.validationLoss)),
            active ? formatDuration(job.etaMs) : DASH,
            formatInteger(job.examples),
            job.version ? el('code', { title: job.version, dataset: { testid: `job-${id}-version` } }, shortVersion(job.version)) : DASH,
            el('span', { dataset: { testid: `job-${id}-reason` } }, job.reason || DASH),
            metricsSummary(job.metrics),
            active
              ? el('button', {
                type: 'button', class: 'danger', 'aria-label': `Cancel job ${id}`, dataset: { testid: `cancel-job-${id}` },
                onClick: () => cancelJob(job),
              }, 'Cancel job')
              : DASH,
          ],
        };
      }),
    }), 'jobs-scroll');
  }

  function detailRow(label, value) {
    return el('div', {}, el('dt', {}, label), el('dd', {}, value));
  }

  function jobDetails() {
    const job = jobs.get(selectedId);
    if (!job) return [emptyState('Select a job to see its loss curve and evaluation.')];
    // The gateway keeps each job's curve (evenly thinned on long jobs), so a page opened mid-run shows all of it.
    const losses = job.losses ?? [];
    const points = {
      train: losses.map((p) => ({ x: p.step, y: toNumber(p.trainLoss) })),
      validation: losses.filter((p) => p.validationLoss != null).map((p) => ({ x: p.step, y: toNumber(p.validationLoss) })),
    };
    const lastStep = Math.max(job.totalSteps || 0, job.step || 0, 1);
    lossChart.update({ points, xRange: [0, lastStep], xLabels: ['0', String(lastStep)] });
    const metrics = metricRows(job.metrics);
    return [
      el('h3', { id: 'job-details-title', tabindex: -1 }, `Job ${shortId(job.id)}`),
      el('dl', { class: 'facts', dataset: { testid: 'job-details' } },
        detailRow('Id', el('code', {}, job.id)),
        detailRow('Adapter', job.adapter),
        detailRow('State', stateBadge(job, 'job-details-state')),
        detailRow('Step', `${job.step ?? 0} of ${job.totalSteps ?? 0}`),
        detailRow('Attempt', job.resumedFromStep
          ? `${job.attempt ?? 0}, resumed from the checkpoint at step ${job.resumedFromStep}`
          : String(job.attempt ?? 0)),
        detailRow('Parent version', job.parentVersion ? el('code', { title: job.parentVersion }, shortVersion(job.parentVersion)) : DASH),
        detailRow('Published version', job.version ? el('code', { title: job.version }, shortVersion(job.version)) : DASH),
        detailRow('Created', formatDateTime(job.createdAt)),
        detailRow('Updated', formatDateTime(job.updatedAt)),
        detailRow('Reason', job.reason || DASH)),
      lossChart.root,
      el('h4', {}, 'Evaluation'),
      metrics.length
        ? dataTable({
          caption: `Evaluation of job ${job.id}`,
          captionHidden: true,
          columns: [{ label: 'Metric' }, { label: 'New version', class: 'num' }, { label: 'Version it replaces', class: 'num' }],
          rows: metrics.map((row) => ({
            props: { dataset: { testid: `job-metric-${row.name}` } },
            cells: [row.name, row.value != null ? formatMetric(row.value) : DASH, row.baseline != null ? formatMetric(row.baseline) : DASH],
          })),
        })
        : emptyState('No evaluation yet.', 'job-metrics-empty'),
    ];
  }

  function render() {
    renderTimer = null;
    renderKeepingFocus(jobsHost, () => jobsHost.replaceChildren(jobsTable()), heading);
    renderKeepingFocus(detailsHost, () => detailsHost.replaceChildren(...jobDetails()),
      () => detailsHost.querySelector('#job-details-title') ?? heading);
  }

  function scheduleRender() {
    // A busy job sends many updates a second: draw at most every 100 ms.
    if (!renderTimer) renderTimer = setTimeout(render, 100);
  }

  render();

  return {
    root,
    show() {
      loadAdapterNames();
      stream = openLiveStream({
        api: ctx.api, service: 'Training', method: 'Watch', body: {}, signal: ctx.signal,
        onOpen: () => { connected = true; scheduleRender(); },
        onMessage: onJob,
        onState: (state, error) => {
          badge.set(state, error);
          if (state === 'stopped' && error) ctx.notify.error(error, 'Training jobs');
        },
      });
    },
    hide() {
      stream?.close();
      stream = null;
    },
  };
}
