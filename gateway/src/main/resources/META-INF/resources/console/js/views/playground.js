// Playground tab: pick adapters (one per kind), write a prompt, and watch Inference/GenerateStream write the
// completion piece by piece, with each token's sampling temperature when a TempNet is picked.
import { isAbort } from '../api.js';
import { KINDS, loadAdapterCatalog } from '../adapter-catalog.js';
import { createBarChart } from '../charts.js';
import { dataTable, el, emptyState, field, setFieldError } from '../dom.js';
import { DASH, finishReasonLabel, formatInteger, shortVersion } from '../format.js';

const PICKER_LABELS = { lora: 'LoRA adapter', prompt: 'Prompt tuning adapter', prefix: 'Prefix tuning adapter', tempnet: 'TempNet adapter' };
const DEFAULT_MAX_NEW_TOKENS = 48;
const DEFAULT_TEMPERATURE = 0.8;
const NONE = 'none'; // the pickers' "no adapter of this kind" value

function isFinal(message) {
  return message.finishReason && message.finishReason !== 'FINISH_REASON_UNSPECIFIED';
}

export function createPlaygroundView(ctx) {
  let catalog = null; // kind -> entries, from loadAdapterCatalog
  let run = null; // { controller } of the generation in progress
  let catalogRequest = 0;
  let rankReference = ''; // the DyLoRA the rank slider is set for

  // --- adapter pickers ----------------------------------------------------------------------------------------

  const pickers = Object.fromEntries(KINDS.map((kind) => [kind, el('select', { dataset: { testid: `playground-${kind}` }, onChange: kind === 'lora' ? updateRank : null },
    el('option', { value: NONE }, 'None'))]));
  const pickerFields = KINDS.map((kind) => field({ id: `pg-adapter-${kind}`, label: PICKER_LABELS[kind], control: pickers[kind] }).root);
  const catalogNote = el('p', { class: 'hint', dataset: { testid: 'playground-adapters-note' } }, 'Loading adapters…');
  const reloadButton = el('button', { type: 'button', onClick: () => loadCatalog() }, 'Reload adapters');

  const rankInput = el('input', { type: 'range', min: 1, max: 1, step: 1, value: 1 });
  const rankValue = el('output', { for: 'pg-rank', dataset: { testid: 'playground-rank-value' } }, '1');
  const rankField = field({ id: 'pg-rank', label: 'Rank', control: rankInput, hint: 'DyLoRA serving rank.' });
  const rankHint = rankField.root.querySelector('.hint');
  const rankBox = el('div', { class: 'rank-box', hidden: true }, rankField.root, el('p', { class: 'rank-value' }, 'Serving rank: ', rankValue));
  rankInput.addEventListener('input', () => { rankValue.textContent = rankInput.value; });

  function selectedEntry(kind) {
    return catalog?.[kind]?.find((entry) => entry.reference === pickers[kind].value) ?? null;
  }

  function updateRank() {
    const entry = selectedEntry('lora');
    const dylora = Boolean(entry && entry.minRank > 0);
    rankBox.hidden = !dylora;
    if (!dylora) {
      rankReference = '';
      return;
    }
    const keep = entry.reference === rankReference; // a reload of the lists keeps the user's rank
    rankInput.min = String(entry.minRank);
    rankInput.max = String(entry.rank);
    if (!keep) rankInput.value = String(entry.rank); // a new DyLoRA starts at its full rank
    rankReference = entry.reference;
    rankValue.textContent = rankInput.value;
    rankHint.textContent = `DyLoRA: serve ${entry.name} at any rank from ${entry.minRank} to ${entry.rank}.`;
  }

  async function loadCatalog() {
    const mine = ++catalogRequest;
    catalogNote.textContent = 'Loading adapters…';
    try {
      const loaded = await loadAdapterCatalog(ctx.api, ctx.signal);
      if (mine !== catalogRequest) return;
      catalog = loaded;
      for (const kind of KINDS) {
        const picker = pickers[kind];
        const previous = picker.value;
        picker.replaceChildren(el('option', { value: NONE }, 'None'), ...catalog[kind].map((entry) => el('option', { value: entry.reference },
          entry.minRank > 0 ? `${entry.reference} (DyLoRA ${entry.minRank}–${entry.rank})` : entry.reference)));
        picker.value = catalog[kind].some((entry) => entry.reference === previous) ? previous : NONE;
      }
      const count = KINDS.reduce((sum, kind) => sum + catalog[kind].length, 0);
      catalogNote.textContent = count
        ? `Each adapter is offered at "stable", or "latest" when it has no stable version.`
        : 'No adapters yet: generation uses the base model alone.';
      updateRank();
    } catch (error) {
      if (isAbort(error) || mine !== catalogRequest) return;
      catalogNote.textContent = 'Could not load the adapters.';
      ctx.notify.error(error, 'Loading adapters');
    }
  }

  // --- prompt and sampling ------------------------------------------------------------------------------------

  const promptInput = el('textarea', { rows: 4, dataset: { testid: 'playground-prompt' } });
  const promptField = field({ id: 'pg-prompt-text', label: 'Prompt', control: promptInput, hint: 'Ctrl+Enter generates.' });
  const maxTokensInput = el('input', { type: 'number', min: 1, step: 1, value: String(DEFAULT_MAX_NEW_TOKENS), inputmode: 'numeric' });
  const maxTokensField = field({ id: 'pg-max-new-tokens', label: 'Max new tokens', control: maxTokensInput, error: true });
  const temperatureInput = el('input', { type: 'number', min: 0, step: 0.05, value: String(DEFAULT_TEMPERATURE), inputmode: 'decimal' });
  const temperatureField = field({ id: 'pg-temperature', label: 'Temperature', control: temperatureInput, hint: '0 = greedy.', error: true });
  const generateButton = el('button', { type: 'submit', class: 'primary' }, 'Generate');
  const stopButton = el('button', { type: 'button', disabled: true, onClick: () => run?.controller.abort() }, 'Stop');

  promptInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const form = el('form', { class: 'playground-form', novalidate: true, onSubmit: (event) => { event.preventDefault(); generate(); } },
    el('fieldset', { class: 'pickers' },
      el('legend', {}, 'Adapters'),
      el('div', { class: 'form-grid' }, pickerFields),
      rankBox,
      el('div', { class: 'button-row' }, reloadButton, catalogNote)),
    promptField.root,
    el('div', { class: 'form-grid' }, maxTokensField.root, temperatureField.root),
    el('div', { class: 'button-row' }, generateButton, stopButton));

  // --- output -------------------------------------------------------------------------------------------------

  const output = el('div', { class: 'output', role: 'log', 'aria-live': 'polite', 'aria-label': 'Output', dataset: { testid: 'playground-output' } });
  const temperatureChart = createBarChart({
    title: 'Temperature per generated token', name: 'TempNet schedule per token', testid: 'playground-temperatures',
    yTitle: 'T', xTitle: 'Token', itemName: 'tokens',
  });
  temperatureChart.root.hidden = true;
  const summary = el('div', { class: 'summary', dataset: { testid: 'playground-summary' } });

  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, el('h2', {}, 'Playground')),
    el('div', { class: 'playground' },
      el('section', { class: 'card', 'aria-label': 'Request' }, form),
      el('section', { class: 'card', 'aria-labelledby': 'pg-output-title' },
        el('h3', { id: 'pg-output-title' }, 'Completion'), output, temperatureChart.root, summary)));

  function setRunning(running) {
    const focusWasOn = document.activeElement;
    generateButton.disabled = running;
    stopButton.disabled = !running;
    // A disabled button drops focus to the page: hand it to the other button instead.
    if (running && focusWasOn === generateButton) stopButton.focus();
    if (!running && focusWasOn === stopButton) generateButton.focus();
  }

  function readRequest() {
    const maxNewTokens = Number(maxTokensInput.value);
    const maxError = Number.isInteger(maxNewTokens) && maxNewTokens > 0 ? '' : 'Enter a whole number above 0.';
    setFieldError(maxTokensInput, maxTokensField.error, maxError);
    const temperature = Number(temperatureInput.value);
    const temperatureError = temperatureInput.value.trim() !== '' && Number.isFinite(temperature) && temperature >= 0 ? '' : 'Enter 0 (greedy) or more.';
    setFieldError(temperatureInput, temperatureField.error, temperatureError);
    if (maxError || temperatureError) {
      (maxError ? maxTokensInput : temperatureInput).focus();
      return null;
    }
    const adapters = KINDS.map((kind) => pickers[kind].value).filter((value) => value !== NONE);
    const body = { prompt: promptInput.value, maxNewTokens, sampling: { temperature }, adapters };
    if (!rankBox.hidden) body.adapterOptions = { loraRank: Number(rankInput.value) };
    if (pickers.tempnet.value !== NONE) body.returnTemperatures = true;
    return body;
  }

  function summaryRow(label, value, testid) {
    return el('div', {}, el('dt', {}, label), el('dd', { dataset: { testid } }, value));
  }

  function showSummary({ finish, usage, served, requestId }) {
    summary.replaceChildren(
      el('dl', { class: 'facts' },
        summaryRow('Finish reason', finish, 'playground-finish-reason'),
        summaryRow('Usage', usage
          ? `${formatInteger(usage.promptTokens)} prompt + ${formatInteger(usage.completionTokens)} completion = ${formatInteger(usage.totalTokens)} tokens`
          : DASH, 'playground-usage'),
        requestId ? summaryRow('Request id', el('code', {}, requestId), 'playground-request-id') : null),
      el('h4', {}, 'Served by'),
      served?.length
        ? dataTable({
          caption: 'Adapter versions that served the request',
          captionHidden: true,
          class: 'compact',
          columns: [{ label: 'Reference' }, { label: 'Kind' }, { label: 'Version' }, { label: 'LoRA rank', class: 'num' }],
          rows: served.map((adapter) => ({
            props: { dataset: { testid: `playground-served-${adapter.kind}` } },
            cells: [adapter.reference, adapter.kind, el('code', { title: adapter.version }, shortVersion(adapter.version)),
              adapter.kind === 'lora' && adapter.loraRank ? String(adapter.loraRank) : DASH],
          })),
        })
        : emptyState(served ? 'The base model alone.' : DASH, 'playground-served'));
  }

  async function generate() {
    if (run) return;
    const body = readRequest();
    if (!body) return;
    const controller = new AbortController();
    const stopOnSignOut = () => controller.abort();
    ctx.signal.addEventListener('abort', stopOnSignOut, { once: true });
    const mine = { controller };
    run = mine;
    const temperatures = [];
    let last = null;
    let requestId = '';
    output.replaceChildren();
    summary.replaceChildren(el('p', { class: 'muted' }, 'Generating…'));
    temperatureChart.root.hidden = !body.returnTemperatures;
    temperatureChart.update([]);
    setRunning(true);

    const onMessage = (message) => {
      if (run !== mine) return;
      requestId ||= message.requestId;
      const pieceTemperatures = (message.temperatures ?? []).map(Number);
      if (message.text) {
        output.append(el('span', {
          class: pieceTemperatures.length ? 'piece has-temperature' : 'piece',
          title: pieceTemperatures.length ? `Temperature ${pieceTemperatures.map((t) => t.toFixed(2)).join(', ')}` : null,
        }, message.text));
      }
      if (pieceTemperatures.length) {
        temperatures.push(...pieceTemperatures);
        temperatureChart.update(temperatures, temperatures.map((t, i) => `Token ${i + 1}: ${t.toFixed(3)}`));
      }
      if (isFinal(message)) last = message;
    };

    try {
      await ctx.api.stream('Inference', 'GenerateStream', body, { signal: controller.signal, onMessage });
      showSummary({ finish: last ? finishReasonLabel(last.finishReason) : 'Ended', usage: last?.usage, served: last?.adapters ?? [], requestId });
    } catch (error) {
      if (isAbort(error)) {
        if (!ctx.signal.aborted) {
          showSummary({ finish: 'Stopped before the end', usage: null, served: null, requestId });
          ctx.notify.status('Generation stopped.');
        }
      } else {
        showSummary({ finish: `Failed: ${error.code}`, usage: null, served: null, requestId });
        ctx.notify.error(error, 'Generate');
      }
    } finally {
      ctx.signal.removeEventListener('abort', stopOnSignOut);
      if (run === mine) {
        run = null;
        setRunning(false);
      }
    }
  }

  return {
    root,
    show() {
      loadCatalog(); // adapters may have been published or promoted since the last visit
    },
    hide() {
      // Leaving the tab ends the generation: nothing would show its output.
      run?.controller.abort();
    },
  };
}
