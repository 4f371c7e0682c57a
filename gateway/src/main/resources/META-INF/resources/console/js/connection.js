// A live stream's state in words (never colour alone): "Live", "Connecting…", "Reconnecting…", "Stopped".
import { el } from './dom.js';

const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Stopped' };

export function createConnectionBadge(testid) {
  const root = el('span', { class: 'connection', dataset: { testid, state: 'connecting' } }, LABELS.connecting);

  return {
    root,
    /** Shows a stream state and, when there is one, the error behind it (also in the title). */
    set(state, error = null) {
      root.dataset.state = state;
      const reason = error && state !== 'live' ? ` (${error.code ?? 'ERROR'}: ${error.message})` : '';
      root.textContent = `${LABELS[state] ?? state}${reason}`;
    },
  };
}
