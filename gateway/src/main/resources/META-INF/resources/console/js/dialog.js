// Confirmation of mutating actions in the page's one modal <dialog>: showModal() makes the rest of the page inert,
// Escape cancels, and focus returns to the button that opened it.
//
// Every way of closing settles the pending confirmation synchronously (Cancel, Confirm, Escape), rather than on the
// "close" event: that event is queued, and a fast keyboard user (or a test) can open the dialog again before it
// arrives, which would then settle the new confirmation instead of the old one.
import { setFieldError } from './dom.js';

/**
 * Wires the dialog markup of index.html and returns { confirm, dismiss }.
 * confirm(options) → Promise<boolean>. options: title, message, body (extra controls, e.g. an alias field),
 * initialFocus (default: Cancel), validate() → error text or '' (keeps the dialog open), tone 'danger'.
 */
/**
 * Focuses the button that opened the dialog or, when a live view redrew it meanwhile, its replacement (the element
 * with the same data-testid).
 */
function returnFocus(opener) {
  if (!(opener instanceof HTMLElement)) return;
  if (opener.isConnected) {
    opener.focus();
    return;
  }
  const testid = opener.dataset.testid;
  if (testid) document.querySelector(`[data-testid="${CSS.escape(testid)}"]`)?.focus();
}

export function createConfirmDialog(dialog) {
  const title = dialog.querySelector('#confirm-title');
  const message = dialog.querySelector('#confirm-message');
  const body = dialog.querySelector('#confirm-body');
  const error = dialog.querySelector('#confirm-error');
  const form = dialog.querySelector('form');
  const cancel = dialog.querySelector('#confirm-cancel');
  const ok = dialog.querySelector('#confirm-ok');
  let pending = null; // { resolve, opener, validate } of the open confirmation

  function close(confirmed) {
    if (!pending) return;
    const { resolve, opener } = pending;
    pending = null;
    if (dialog.open) dialog.close(confirmed ? 'confirm' : 'cancel');
    // Nothing of this confirmation stays in the page (the next user of the tab must not read it).
    title.textContent = '';
    message.textContent = '';
    error.textContent = '';
    body.replaceChildren();
    returnFocus(opener);
    resolve(confirmed);
  }

  cancel.addEventListener('click', () => close(false));
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault(); // close it ourselves, so that focus goes back at once
    close(false);
  });
  // Closed some other way (e.g. the browser): settle too. A late event after a new showModal() finds it open.
  dialog.addEventListener('close', () => { if (!dialog.open) close(false); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!pending) return;
    const problem = pending.validate?.() ?? '';
    if (problem) {
      const control = body.querySelector('input, select, textarea');
      error.textContent = problem;
      if (control) {
        setFieldError(control, error, problem);
        control.focus();
      }
      return;
    }
    close(true);
  });

  function confirm({ title: titleText, message: messageText, body: extra = null, initialFocus = null, validate = null, tone = '' }) {
    if (pending) return Promise.resolve(false);
    title.textContent = titleText;
    message.textContent = messageText;
    body.replaceChildren(...(extra ? [extra] : []));
    error.textContent = '';
    ok.classList.toggle('danger', tone === 'danger');
    return new Promise((resolve) => {
      pending = { resolve, opener: document.activeElement, validate };
      dialog.showModal();
      (initialFocus ?? cancel).focus();
    });
  }

  /** Closes an open dialog as cancelled (signing out while it is open). */
  function dismiss() {
    close(false);
  }

  return { confirm, dismiss };
}
