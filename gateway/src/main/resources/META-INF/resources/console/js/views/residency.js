// Residency tab: which adapter versions this replica holds nearer than the store, and the latest alias swaps,
// both live from Monitor/Watch (redrawn only when they change, so focus and screen readers are not disturbed).
import { createConnectionBadge } from '../connection.js';
import { dataTable, el, emptyState, renderKeepingFocus, scrollRegion } from '../dom.js';
import { eventTypeLabel, formatRate, formatTime, residencyLabel, shortVersion } from '../format.js';
import { whileShown } from '../monitor-feed.js';

const TIER_ORDER = { RESIDENCY_DEVICE: 0, RESIDENCY_HOST: 1, RESIDENCY_STORE: 2 };

export function createResidencyView(ctx) {
  let residentKey = null;
  let swapsKey = null;

  const badge = createConnectionBadge('residency-connection');
  const heading = el('h2', { tabindex: -1 }, 'Residency & swaps');
  const updated = el('p', { class: 'muted', dataset: { testid: 'residency-updated' } }, 'Waiting for the first sample…');
  const residentHost = el('div');
  const swapsHost = el('div');
  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, heading, badge.root),
    updated,
    el('div', { class: 'two-columns' },
      el('section', { class: 'card', 'aria-labelledby': 'resident-title' },
        el('h3', { id: 'resident-title' }, 'Resident versions'),
        el('p', { class: 'hint' }, 'Device: in the GPU slot table. Host: in the memory cache. Others are loaded from the store on use.'),
        residentHost),
      el('section', { class: 'card', 'aria-labelledby': 'swaps-title' },
        el('h3', { id: 'swaps-title' }, 'Recent swaps'),
        el('p', { class: 'hint' }, 'An alias moved and this replica loaded the version it names; newest first.'),
        swapsHost)));

  function renderResident(resident) {
    const key = JSON.stringify(resident);
    if (key === residentKey) return;
    residentKey = key;
    const rows = [...resident].sort((a, b) => (TIER_ORDER[a.residency] ?? 9) - (TIER_ORDER[b.residency] ?? 9)
      || a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
    renderKeepingFocus(residentHost, () => residentHost.replaceChildren(rows.length
      ? scrollRegion('Resident versions', dataTable({
        caption: 'Resident versions',
        captionHidden: true,
        columns: [{ label: 'Adapter' }, { label: 'Version' }, { label: 'Tier' }],
        rows: rows.map((entry) => ({
          props: { dataset: { testid: `resident-${entry.name}@${shortVersion(entry.version)}` } },
          cells: [
            entry.name,
            el('code', { title: entry.version }, shortVersion(entry.version)),
            el('span', { class: `residency ${entry.residency}` }, residencyLabel(entry.residency)),
          ],
        })),
      }), 'resident-scroll')
      : emptyState('No adapter versions are resident.', 'resident-empty')), heading);
  }

  function renderSwaps(swaps) {
    const key = JSON.stringify(swaps);
    if (key === swapsKey) return;
    swapsKey = key;
    renderKeepingFocus(swapsHost, () => swapsHost.replaceChildren(swaps.length
      ? scrollRegion('Recent swaps', dataTable({
        caption: 'Recent swaps, newest first',
        captionHidden: true,
        rowHeader: false,
        columns: [{ label: 'Time' }, { label: 'Adapter' }, { label: 'Alias' }, { label: 'Version' }, { label: 'Event' }, { label: 'Ready', class: 'num' }],
        rows: swaps.map((swap, index) => ({
          props: { dataset: { testid: `swap-${index}` } },
          cells: [
            el('time', { datetime: swap.at }, formatTime(swap.at)),
            swap.name,
            swap.alias || '—',
            el('code', { title: swap.version }, shortVersion(swap.version)),
            eventTypeLabel(swap.type),
            `${formatRate(swap.readyMs)} ms`,
          ],
        })),
      }), 'swaps-scroll')
      : emptyState('No swaps yet.', 'swaps-empty')), heading);
  }

  function onSample(sample) {
    updated.textContent = `${sample.scope ? `Tenant ${sample.scope}` : 'Whole engine'} · updated ${formatTime(sample.at)}`;
    renderResident(sample.resident ?? []);
    renderSwaps(sample.swaps ?? []);
  }

  return { root, ...whileShown(ctx, badge, onSample) };
}
