// The page's two message areas: errors in a role="alert" region (announced at once), outcomes of actions in a
// role="status" region (announced politely). A new message of either kind replaces the previous one of both,
// so what is shown always describes the last thing that happened.
import { el } from './dom.js';

export function createNotifier({ alertRegion, statusRegion, dismissButton }) {
  function clear() {
    alertRegion.replaceChildren();
    statusRegion.replaceChildren();
    dismissButton.hidden = true;
  }

  dismissButton.addEventListener('click', () => {
    const hadFocus = document.activeElement === dismissButton;
    alertRegion.replaceChildren();
    dismissButton.hidden = true;
    if (hadFocus) document.getElementById('content')?.focus();
  });

  return {
    /** Shows an error: an ApiError's code and message, or any Error's message. */
    error(error, context) {
      statusRegion.replaceChildren();
      const code = error?.code ?? 'ERROR';
      const message = error?.message ?? String(error);
      alertRegion.replaceChildren(el('p', { class: 'alert-text', dataset: { testid: 'error-message', code } },
        context ? `${context}: ` : null,
        el('strong', { class: 'alert-code' }, code), ' ', message));
      dismissButton.hidden = false;
    },
    /** Shows the outcome of an action. */
    status(text) {
      alertRegion.replaceChildren();
      dismissButton.hidden = true;
      statusRegion.replaceChildren(el('p', { class: 'status-text', dataset: { testid: 'status-message' } }, text));
    },
    clear,
  };
}
