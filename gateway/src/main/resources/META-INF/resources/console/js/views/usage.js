// Usage tab: the caller's own tenant's quotas and usage since the gateway started (Tenants/GetUsage), re-read
// while shown whenever the Monitor stream shows requests (no polling).
import { dataTable, el, emptyState } from '../dom.js';
import { formatInteger } from '../format.js';
import { refreshOnActivity } from '../activity-refresh.js';
import { formatQuota, usageFigures } from '../usage.js';


export function createUsageView(ctx) {
  const body = el('div', {}, emptyState('Loading usage…'));
  const updated = el('p', { class: 'muted', dataset: { testid: 'usage-updated' } });
  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, el('h2', {}, `Usage of ${ctx.who.tenant}`),
      el('button', { type: 'button', onClick: () => refresher.refresh() }, 'Refresh')),
    updated,
    body);

  function render(usage) {
    const quotas = Object.entries(usage.quotas ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const errors = Object.entries(usage.errors ?? {}).sort(([a], [b]) => a.localeCompare(b));
    body.replaceChildren(el('div', { class: 'two-columns' },
      el('section', { class: 'card', 'aria-labelledby': 'usage-counters-title' },
        el('h3', { id: 'usage-counters-title' }, 'Since the gateway started'),
        el('dl', { class: 'facts' }, usageFigures(usage).map(([label, text, suffix]) =>
          el('div', {}, el('dt', {}, label), el('dd', { dataset: { testid: `usage-${suffix}` } }, text)))),
        el('h4', {}, 'Errors by status'),
        errors.length
          ? dataTable({
            caption: 'Calls refused or failed, by gRPC status', captionHidden: true,
            columns: [{ label: 'Status' }, { label: 'Calls', class: 'num' }],
            rows: errors.map(([code, count]) => ({ cells: [code, el('span', { dataset: { testid: `usage-error-${code}` } }, formatInteger(count))] })),
          })
          : emptyState('No errors.', 'usage-errors-empty')),
      el('section', { class: 'card', 'aria-labelledby': 'usage-quotas-title' },
        el('h3', { id: 'usage-quotas-title' }, 'Quotas'),
        quotas.length
          ? dataTable({
            caption: 'Quotas', captionHidden: true,
            columns: [{ label: 'Quota' }, { label: 'Limit', class: 'num' }],
            rows: quotas.map(([name, limit]) => ({ cells: [name, el('span', { dataset: { testid: `quota-${name}` } }, formatQuota(name, limit))] })),
          })
          : emptyState('No quotas configured.'))));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  const refresher = refreshOnActivity(ctx, 'Usage', async () => {
    render(await ctx.api.call('Tenants', 'GetUsage', {}, { signal: ctx.signal }));
  });
  return { root, show: () => refresher.start(), hide: () => refresher.stop() };
}
