// Shared rendering of Tenants/GetUsage and ListUsage figures (TenantUsage): quotas, counters, errors by status.
import { el } from './dom.js';
import { DASH, formatBytes, formatDecimal, formatInteger } from './format.js';

/** A quota limit as configured; byte quotas also in binary units. */
export function formatQuota(name, limit) {
  return name.endsWith('-bytes') && /^\d+$/.test(limit) ? `${formatBytes(limit)} (${formatInteger(limit)} B)` : String(limit);
}

/** A name → value list (quotas, errors), or the dash when empty. */
export function pairList(map, formatValue, testidPrefix) {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return DASH;
  return el('dl', { class: 'pairs' }, entries.map(([key, value]) => el('div', {},
    el('dt', {}, key),
    el('dd', { dataset: testidPrefix ? { testid: `${testidPrefix}-${key}` } : undefined }, formatValue(key, value)))));
}

/** The counters of a TenantUsage, as [label, text, testid suffix]. */
export function usageFigures(usage) {
  return [
    ['Weight', formatDecimal(usage.weight, 2), 'weight'],
    ['Requests', formatInteger(usage.requests), 'requests'],
    ['Prompt tokens', formatInteger(usage.promptTokens), 'prompt-tokens'],
    ['Generated tokens', formatInteger(usage.generatedTokens), 'generated-tokens'],
    ['Adapter load time', `${formatDecimal(usage.adapterLoadSeconds, 3)} s`, 'adapter-load-seconds'],
    ['In flight', formatInteger(usage.inFlight), 'in-flight'],
  ];
}
