// Tenants tab (admins only): every tenant's weight, quotas and usage (Tenants/ListUsage), re-read while shown
// whenever the Monitor stream shows requests (no polling).
import { dataTable, el, emptyState, renderKeepingFocus, scrollRegion } from '../dom.js';
import { formatDecimal, formatInteger } from '../format.js';
import { refreshOnActivity } from '../activity-refresh.js';
import { formatQuota, pairList } from '../usage.js';


export function createTenantsView(ctx) {
  const heading = el('h2', { tabindex: -1 }, 'Tenants');
  const body = el('div', {}, emptyState('Loading tenants…'));
  const updated = el('p', { class: 'muted', dataset: { testid: 'tenants-updated' } });
  const root = el('div', { class: 'view' },
    el('div', { class: 'view-header' }, heading, el('button', { type: 'button', onClick: () => refresher.refresh() }, 'Refresh')),
    updated,
    el('section', { class: 'card', 'aria-label': 'Usage of every tenant' }, body));

  function render(tenants) {
    const rows = [...tenants].sort((a, b) => a.tenant.localeCompare(b.tenant));
    renderKeepingFocus(body, () => body.replaceChildren(rows.length
      ? scrollRegion('Tenants', dataTable({
        caption: 'Usage of every tenant since the gateway started',
        captionHidden: true,
        columns: [
          { label: 'Tenant' }, { label: 'Weight', class: 'num' }, { label: 'Quotas' }, { label: 'Requests', class: 'num' },
          { label: 'Prompt tokens', class: 'num' }, { label: 'Generated tokens', class: 'num' }, { label: 'Errors' },
          { label: 'Adapter load', class: 'num' }, { label: 'In flight', class: 'num' },
        ],
        rows: rows.map((usage) => {
          const cell = (suffix, text) => el('span', { dataset: { testid: `tenant-${usage.tenant}-${suffix}` } }, text);
          return {
            props: { dataset: { testid: `tenant-${usage.tenant}` } },
            cells: [
              usage.tenant,
              cell('weight', formatDecimal(usage.weight, 2)),
              pairList(usage.quotas, formatQuota),
              cell('requests', formatInteger(usage.requests)),
              cell('prompt-tokens', formatInteger(usage.promptTokens)),
              cell('generated-tokens', formatInteger(usage.generatedTokens)),
              pairList(usage.errors, (code, count) => formatInteger(count), `tenant-${usage.tenant}-error`),
              cell('adapter-load-seconds', `${formatDecimal(usage.adapterLoadSeconds, 3)} s`),
              cell('in-flight', formatInteger(usage.inFlight)),
            ],
          };
        }),
      }), 'tenants-scroll')
      : emptyState('No tenants hold a key.', 'tenants-empty')), heading);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  const refresher = refreshOnActivity(ctx, 'Tenants', async () => {
    const response = await ctx.api.call('Tenants', 'ListUsage', {}, { signal: ctx.signal });
    render(response.tenants ?? []);
  });
  return { root, show: () => refresher.start(), hide: () => refresher.stop() };
}
