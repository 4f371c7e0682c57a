// Adapters tab: the caller's adapters (Adapters/List), one adapter's aliases and versions (Adapters/Get) with
// Promote, Roll back and Delete, kept current by Adapters/Watch and by the resident set of Monitor/Watch samples.
import { isAbort } from '../api.js';
import { createConnectionBadge } from '../connection.js';
import { dataTable, el, emptyState, prefersReducedMotion, renderKeepingFocus, scrollRegion } from '../dom.js';
import {
  DASH, eventTypeLabel, formatBytes, formatDateTime, formatInteger, formatMetric, formatTime, residencyLabel, shortVersion,
} from '../format.js';
import { openLiveStream } from '../live.js';

const ALIAS_SUGGESTIONS = ['stable', 'canary'];
const REFRESH_DELAY_MS = 150; // coalesces a burst of registry events into one refresh

const byName = (a, b) => a.name.localeCompare(b.name);
const sortedEntries = (map) => Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));

/** The versions held nearer than the store, as a comparable string. */
function residentSignature(entries) {
  return entries
    .filter((entry) => entry.residency === 'RESIDENCY_DEVICE' || entry.residency === 'RESIDENCY_HOST')
    .map((entry) => `${entry.version}:${entry.residency}`)
    .sort()
    .join(',');
}

export function createAdaptersView(ctx) {
  let adapters = null; // AdapterSummary[], null until loaded
  let selected = ''; // the adapter whose details are shown
  let details = null; // its AdapterDetails
  let detailsProblem = '';
  let highlighted = ''; // a version the user jumped to (a parent)
  let listRequest = 0;
  let detailsRequest = 0;
  let refreshTimer = null;
  let pending = { list: false, details: false };
  let stream = null;
  let unsubscribeMonitor = null;
  let monitorSignature = null;

  const badge = createConnectionBadge('adapters-connection');
  const heading = el('h2', { tabindex: -1 }, 'Adapters');
  const lastEvent = el('p', { class: 'muted', dataset: { testid: 'adapters-last-event' } });
  const listHost = el('div');
  const detailsHost = el('div');
  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, heading, badge.root),
    lastEvent,
    el('div', { class: 'master-detail' },
      el('section', { class: 'card', 'aria-labelledby': 'adapters-list-title' },
        el('h3', { id: 'adapters-list-title' }, ctx.isAdmin ? 'All adapters' : `Adapters of ${ctx.who.tenant}`),
        listHost),
      el('section', { class: 'card', 'aria-label': 'Adapter details' }, detailsHost)));

  // --- data ---------------------------------------------------------------------------------------------------

  async function loadList() {
    const mine = ++listRequest;
    try {
      const response = await ctx.api.call('Adapters', 'List', {}, { signal: ctx.signal });
      if (mine !== listRequest) return;
      adapters = (response.adapters ?? []).sort(byName);
      renderList();
    } catch (error) {
      if (!isAbort(error)) ctx.notify.error(error, 'Loading adapters');
    }
  }

  async function loadDetails() {
    const name = selected;
    const mine = ++detailsRequest;
    if (!name) return;
    try {
      const response = await ctx.api.call('Adapters', 'Get', { name }, { signal: ctx.signal });
      if (mine !== detailsRequest || name !== selected) return;
      details = response;
      detailsProblem = '';
    } catch (error) {
      if (isAbort(error) || mine !== detailsRequest) return;
      if (error.code === 'NOT_FOUND') {
        details = null;
        detailsProblem = `${name} no longer exists.`;
      } else {
        ctx.notify.error(error, `Loading ${name}`);
        if (details) return; // keep showing what we had
        detailsProblem = `Could not load ${name}.`;
      }
    }
    renderDetails();
  }

  function scheduleRefresh({ list = false, details: withDetails = false }) {
    pending = { list: pending.list || list, details: pending.details || withDetails };
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      const due = pending;
      pending = { list: false, details: false };
      if (due.list) loadList();
      if (due.details) loadDetails();
    }, REFRESH_DELAY_MS);
  }

  function select(name) {
    if (name === selected && details) return;
    selected = name;
    details = null;
    detailsProblem = '';
    highlighted = '';
    monitorSignature = null;
    renderList();
    renderDetails();
    loadDetails();
  }

  // --- live updates -------------------------------------------------------------------------------------------

  function onRegistryEvent(event) {
    const target = event.alias ? ` ${event.alias} → ${shortVersion(event.version)}` : event.version ? ` version ${shortVersion(event.version)}` : '';
    lastEvent.textContent = `Last change: ${eventTypeLabel(event.type)} ${event.name}${target} at ${formatTime(event.at)}`;
    scheduleRefresh({ list: true, details: event.name === selected });
  }

  function onMonitorSample(sample) {
    if (!selected || !details) return;
    const signature = residentSignature((sample.resident ?? []).filter((entry) => entry.name === selected));
    const changed = monitorSignature !== null && signature !== monitorSignature;
    monitorSignature = signature;
    // Re-read only when the engine's resident set moved and no longer matches what Get told us.
    if (changed && signature !== residentSignature(details.versions ?? [])) scheduleRefresh({ details: true });
  }

  // --- actions ------------------------------------------------------------------------------------------------

  async function run(action, describe) {
    try {
      const result = await action();
      ctx.notify.status(describe(result));
      await Promise.all([loadList(), loadDetails()]);
    } catch (error) {
      if (!isAbort(error)) ctx.notify.error(error);
    }
  }

  async function promote(version) {
    const name = selected;
    const short = shortVersion(version.version);
    const suggestions = [...new Set([...ALIAS_SUGGESTIONS, ...Object.keys(details?.aliases ?? {})])].filter((a) => a !== 'latest');
    const input = el('input', { type: 'text', id: 'promote-alias', value: 'stable', list: 'promote-alias-options', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'promote-alias-hint confirm-error' });
    const body = el('div', { class: 'field' },
      el('label', { for: 'promote-alias' }, 'Alias'),
      input,
      el('datalist', { id: 'promote-alias-options' }, suggestions.map((alias) => el('option', { value: alias }))),
      el('p', { class: 'hint', id: 'promote-alias-hint' }, 'stable, canary, or type another alias.'));
    const confirmed = await ctx.confirm({
      title: `Promote version ${short}`,
      message: `Point an alias of ${name} at version ${short}. New requests naming the alias use this version at once.`,
      body,
      initialFocus: input,
      validate: () => (input.value.trim() ? '' : 'Enter an alias.'),
    });
    if (!confirmed) return;
    const alias = input.value.trim();
    await run(() => ctx.api.call('Adapters', 'Promote', { name, alias, version: version.version }, { signal: ctx.signal }),
      (change) => `Promoted ${name}@${alias} to ${shortVersion(change.version || version.version)}`
        + (change.previousVersion ? ` (was ${shortVersion(change.previousVersion)}).` : '.'));
  }

  async function rollback(alias) {
    const name = selected;
    const confirmed = await ctx.confirm({
      title: `Roll back alias ${alias}`,
      message: `Point ${name}@${alias} back at the version it named before. New requests use that version at once.`,
    });
    if (!confirmed) return;
    await run(() => ctx.api.call('Adapters', 'Rollback', { name, alias }, { signal: ctx.signal }),
      (change) => `Rolled back ${name}@${alias} to ${shortVersion(change.version)}`
        + (change.previousVersion ? ` (was ${shortVersion(change.previousVersion)}).` : '.'));
  }

  async function remove(version) {
    const name = selected;
    const short = shortVersion(version.version);
    const aliases = version.aliases ?? [];
    const confirmed = await ctx.confirm({
      title: `Delete version ${short}`,
      message: `Delete version ${short} of ${name}? This cannot be undone.`
        + (aliases.length ? ` Aliases still point at it (${aliases.join(', ')}): the registry refuses until they move.` : ''),
      tone: 'danger',
    });
    if (!confirmed) return;
    await run(() => ctx.api.call('Adapters', 'Delete', { name, version: version.version }, { signal: ctx.signal }),
      () => `Deleted version ${short} of ${name}.`);
  }

  function jumpTo(version) {
    highlighted = version;
    renderDetails();
    const row = detailsHost.querySelector(`tr[data-version="${CSS.escape(version)}"]`);
    if (!row) return;
    row.scrollIntoView({ block: 'nearest', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
    row.focus({ preventScroll: true });
  }

  // --- rendering ----------------------------------------------------------------------------------------------

  function aliasList(aliases) {
    const entries = sortedEntries(aliases);
    if (!entries.length) return DASH;
    return el('ul', { class: 'chips' }, entries.map(([alias, version]) =>
      el('li', { class: 'chip', title: version }, `${alias} → ${shortVersion(version)}`)));
  }

  function renderList() {
    renderKeepingFocus(listHost, () => {
      if (adapters === null) {
        listHost.replaceChildren(emptyState('Loading adapters…'));
        return;
      }
      if (!adapters.length) {
        listHost.replaceChildren(emptyState('No adapters yet.', 'adapters-empty'));
        return;
      }
      listHost.replaceChildren(scrollRegion('Adapter list', dataTable({
        caption: 'Adapters',
        captionHidden: true,
        columns: [{ label: 'Name' }, { label: 'Aliases' }, { label: 'Versions', class: 'num' }],
        rows: adapters.map((adapter) => ({
          props: { class: adapter.name === selected ? 'selected' : null, dataset: { testid: `adapter-${adapter.name}` } },
          cells: [
            el('button', {
              type: 'button', class: 'link', 'aria-current': adapter.name === selected ? 'true' : null,
              dataset: { testid: `select-adapter-${adapter.name}` }, onClick: () => select(adapter.name),
            }, adapter.name),
            aliasList(adapter.aliases),
            formatInteger(adapter.versionCount),
          ],
        })),
      })));
    }, heading);
  }

  function aliasesTable() {
    const entries = sortedEntries(details.aliases);
    if (!entries.length) return emptyState('No aliases.');
    return dataTable({
      caption: `Aliases of ${details.name}`,
      captionHidden: true,
      columns: [{ label: 'Alias' }, { label: 'Version' }, { label: 'Actions', class: 'actions' }],
      rows: entries.map(([alias, version]) => ({
        cells: [
          alias,
          el('code', { title: version, dataset: { testid: `alias-${alias}`, version } }, shortVersion(version)),
          el('button', {
            type: 'button', 'aria-label': `Roll back alias ${alias}`, dataset: { testid: `rollback-${alias}` },
            onClick: () => rollback(alias),
          }, 'Roll back'),
        ],
      })),
    });
  }

  function metricsList(metrics) {
    const entries = sortedEntries(metrics);
    if (!entries.length) return DASH;
    return el('dl', { class: 'pairs' }, entries.map(([key, value]) =>
      el('div', {}, el('dt', {}, key), el('dd', {}, formatMetric(value)))));
  }

  function parentCell(version, known) {
    const parent = version.parentVersion;
    if (!parent) return DASH;
    const short = shortVersion(parent);
    if (!known.has(parent)) return el('span', { title: parent }, el('code', {}, short), ' (deleted)');
    return el('button', {
      type: 'button', class: 'link', title: parent, 'aria-label': `Go to parent version ${short}`,
      dataset: { testid: `parent-of-${shortVersion(version.version)}` }, onClick: () => jumpTo(parent),
    }, el('span', { 'aria-hidden': 'true' }, '↳ '), el('code', {}, short));
  }

  function versionsTable() {
    const versions = [...(details.versions ?? [])].reverse(); // newest first
    if (!versions.length) return emptyState('No versions.');
    const known = new Set(versions.map((v) => v.version));
    const lineage = new Set(versions.map((v) => v.parentVersion));
    return scrollRegion(`Versions of ${details.name}`, dataTable({
      caption: `Versions of ${details.name}, newest first`,
      captionHidden: true,
      columns: [
        { label: 'Version' }, { label: 'Kind' }, { label: 'Rank', class: 'num' }, { label: 'Size', class: 'num' },
        { label: 'Created' }, { label: 'Creator' }, { label: 'Parent' }, { label: 'Metrics' }, { label: 'Aliases' },
        { label: 'Residency' }, { label: 'Actions', class: 'actions' },
      ],
      rows: versions.map((version) => {
        const short = shortVersion(version.version);
        const dylora = version.minRank > 0;
        const isHighlighted = version.version === highlighted;
        return {
          props: {
            class: isHighlighted ? 'highlight' : null, tabindex: -1,
            dataset: { testid: `version-${short}`, version: version.version },
          },
          cells: [
            el('span', {},
              el('code', { title: version.version }, short),
              isHighlighted && lineage.has(version.version) ? el('span', { class: 'flag' }, 'parent') : null),
            dylora ? `${version.kind} (DyLoRA)` : version.kind,
            el('span', { dataset: { testid: `version-${short}-rank` } },
              dylora ? `${version.minRank}–${version.rank}` : version.rank ? String(version.rank) : DASH),
            formatBytes(version.sizeBytes),
            el('time', { datetime: version.createdAt }, formatDateTime(version.createdAt)),
            version.creator || DASH,
            parentCell(version, known),
            metricsList(version.metrics),
            (version.aliases ?? []).length ? (version.aliases ?? []).join(', ') : DASH,
            el('span', { class: `residency ${version.residency ?? ''}`, dataset: { testid: `version-${short}-residency` } },
              residencyLabel(version.residency)),
            el('div', { class: 'button-row' },
              el('button', {
                type: 'button', 'aria-label': `Promote version ${short}`, dataset: { testid: `promote-${short}` },
                onClick: () => promote(version),
              }, 'Promote'),
              el('button', {
                type: 'button', class: 'danger', 'aria-label': `Delete version ${short}`, dataset: { testid: `delete-${short}` },
                onClick: () => remove(version),
              }, 'Delete')),
          ],
        };
      }),
    }));
  }

  function renderDetails() {
    renderKeepingFocus(detailsHost, () => {
      if (!selected) {
        detailsHost.replaceChildren(emptyState('Select an adapter to see its aliases and versions.'));
        return;
      }
      if (detailsProblem) {
        detailsHost.replaceChildren(el('h3', {}, selected), emptyState(detailsProblem, 'adapter-details-problem'));
        return;
      }
      if (!details) {
        detailsHost.replaceChildren(el('h3', {}, selected), emptyState('Loading…'));
        return;
      }
      detailsHost.replaceChildren(
        el('h3', { id: 'adapter-details-title', tabindex: -1, dataset: { testid: 'adapter-details-name' } }, details.name),
        el('h4', {}, 'Aliases'),
        aliasesTable(),
        el('h4', {}, 'Versions'),
        versionsTable());
    }, () => detailsHost.querySelector('#adapter-details-title') ?? heading);
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------

  renderList();
  renderDetails();

  return {
    root,
    show() {
      loadList();
      if (selected) loadDetails();
      let connections = 0;
      stream = openLiveStream({
        api: ctx.api, service: 'Adapters', method: 'Watch', body: {}, signal: ctx.signal,
        // After a reconnection, events may have been missed: read everything again.
        onOpen: () => { if (connections++ > 0) scheduleRefresh({ list: true, details: true }); },
        onMessage: onRegistryEvent,
        onState: (state, error) => {
          badge.set(state, error);
          if (state === 'stopped' && error) ctx.notify.error(error, 'Adapter changes');
        },
      });
      unsubscribeMonitor = ctx.monitor.subscribe({ onSample: onMonitorSample });
    },
    hide() {
      stream?.close();
      stream = null;
      unsubscribeMonitor?.();
      unsubscribeMonitor = null;
      monitorSignature = null;
      clearTimeout(refreshTimer);
      refreshTimer = null;
      pending = { list: false, details: false };
    },
  };
}
