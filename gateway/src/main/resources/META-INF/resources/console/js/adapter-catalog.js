// The adapters a caller can pick in the Playground (its own and those shared with it), grouped by kind.
// Adapters/List gives names and aliases only, so each adapter's version behind "stable" (else "latest") is read with
// Adapters/Get to learn its kind and ranks.

const CONCURRENT_GETS = 4;
export const KINDS = ['lora', 'prompt', 'prefix', 'tempnet'];

/**
 * Resolves to { lora: [...], prompt: [...], prefix: [...], tempnet: [...] }, each entry
 * { reference: "tenant/name@alias", name, alias, version, rank, minRank }, sorted by reference.
 * Adapters whose Get fails (deleted meanwhile) are left out.
 */
export async function loadAdapterCatalog(api, signal) {
  const { adapters = [] } = await api.call('Adapters', 'List', { includeShared: true }, { signal });
  const candidates = adapters
    .map((adapter) => {
      const alias = adapter.aliases?.stable ? 'stable' : adapter.aliases?.latest ? 'latest' : null;
      return alias ? { name: adapter.name, alias, version: adapter.aliases[alias] } : null;
    })
    .filter(Boolean);

  const entries = [];
  let next = 0;
  async function worker() {
    while (next < candidates.length) {
      const candidate = candidates[next];
      next += 1;
      try {
        const details = await api.call('Adapters', 'Get', { name: candidate.name }, { signal });
        const info = (details.versions ?? []).find((v) => v.version === (details.aliases?.[candidate.alias] ?? candidate.version));
        if (info) {
          entries.push({
            reference: `${candidate.name}@${candidate.alias}`, name: candidate.name, alias: candidate.alias,
            version: info.version, kind: info.kind, rank: info.rank ?? 0, minRank: info.minRank ?? 0,
          });
        }
      } catch (error) {
        if (error?.name === 'AbortError') throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENT_GETS }, worker));

  const byKind = Object.fromEntries(KINDS.map((kind) => [kind, []]));
  for (const entry of entries) (byKind[entry.kind] ??= []).push(entry);
  for (const list of Object.values(byKind)) list.sort((a, b) => a.reference.localeCompare(b.reference));
  return byKind;
}
