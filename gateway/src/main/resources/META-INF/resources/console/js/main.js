// The console's entry point: sign in and out, and the tabs, each showing one view. A view is built the first time
// its tab is opened in a session, detached (not destroyed) when another tab is opened, so only the visible view's
// controls are in the page, and thrown away with everything else of the session at sign-out.
import { createConfirmDialog } from './dialog.js';
import { createMonitorFeed } from './monitor-feed.js';
import { createNotifier } from './notify.js';
import { authenticate, forgetKey, saveKey, savedKey } from './session.js';
import { createTabs } from './tabs.js';
import { createAdaptersView } from './views/adapters.js';
import { createEngineView } from './views/engine.js';
import { createPlaygroundView } from './views/playground.js';
import { createResidencyView } from './views/residency.js';
import { createTenantsView } from './views/tenants.js';
import { createTrainingView } from './views/training.js';
import { createUsageView } from './views/usage.js';

const VIEW_FACTORIES = {
  adapters: createAdaptersView,
  residency: createResidencyView,
  training: createTrainingView,
  engine: createEngineView,
  playground: createPlaygroundView,
  usage: createUsageView,
  tenants: createTenantsView,
};
const FIRST_VIEW = 'adapters';
const ADMIN_ONLY_VIEWS = ['tenants'];

const $ = (id) => document.getElementById(id);
const page = {
  signIn: $('sign-in'),
  signInForm: $('sign-in-form'),
  keyInput: $('api-key'),
  signInButton: $('sign-in-button'),
  sessionBar: $('session'),
  tenant: $('session-tenant'),
  keyId: $('session-key-id'),
  roles: $('session-roles'),
  signOut: $('sign-out'),
  tablist: $('tabs'),
  main: $('content'),
};

const notify = createNotifier({ alertRegion: $('alert'), statusRegion: $('status'), dismissButton: $('dismiss-alert') });
const dialog = createConfirmDialog($('confirm-dialog'));
const panelOf = (view) => $(`panel-${view}`);

let session = null; // { api, who, isAdmin, controller, ctx, views: Map(name -> view) }

const tabs = createTabs(page.tablist, {
  onChange(view, previous) {
    if (!session) return;
    // Messages are about the view they came from.
    if (previous) notify.clear();
    if (previous) {
      session.views.get(previous)?.hide();
      panelOf(previous).replaceChildren();
    }
    let current = session.views.get(view);
    if (!current) {
      current = VIEW_FACTORIES[view](session.ctx);
      session.views.set(view, current);
    }
    panelOf(view).replaceChildren(current.root);
    current.show();
  },
});

function startSession({ api, who, isAdmin }, { focus }) {
  const controller = new AbortController();
  const ctx = {
    api,
    who,
    isAdmin,
    signal: controller.signal,
    notify,
    confirm: dialog.confirm,
    monitor: createMonitorFeed({ api, signal: controller.signal }),
  };
  session = { controller, ctx, views: new Map() };

  page.tenant.textContent = who.tenant;
  page.keyId.textContent = who.keyId;
  page.roles.textContent = (who.roles ?? []).join(', ') || 'none';
  page.sessionBar.hidden = false;
  page.signIn.hidden = true;
  page.tablist.hidden = false;
  for (const view of ADMIN_ONLY_VIEWS) tabs.setVisible(view, isAdmin);
  tabs.select(FIRST_VIEW, { focus });
}

function endSession() {
  if (!session) return;
  dialog.dismiss();
  const current = tabs.currentTab()?.dataset.view;
  if (current) session.views.get(current)?.hide();
  session.controller.abort(); // closes every stream and pending call of the session
  session = null;
  tabs.reset();
  for (const name of Object.keys(VIEW_FACTORIES)) panelOf(name).replaceChildren();
  forgetKey();
  page.tenant.textContent = '';
  page.keyId.textContent = '';
  page.roles.textContent = '';
  page.sessionBar.hidden = true;
  page.tablist.hidden = true;
  page.signIn.hidden = false;
  notify.clear();
  notify.status('Signed out.');
  page.keyInput.focus();
}

function showSignIn() {
  page.signIn.hidden = false;
  page.keyInput.focus();
}

let signingIn = false;
page.signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (signingIn) return;
  const key = page.keyInput.value.trim();
  if (!key) {
    page.keyInput.setAttribute('aria-invalid', 'true');
    notify.error({ code: 'INVALID_ARGUMENT', message: 'Enter an API key.' });
    page.keyInput.focus();
    return;
  }
  signingIn = true;
  page.signInButton.setAttribute('aria-disabled', 'true');
  try {
    const identity = await authenticate(key);
    saveKey(key);
    page.keyInput.value = '';
    page.keyInput.removeAttribute('aria-invalid');
    notify.clear();
    startSession(identity, { focus: true });
  } catch (error) {
    page.keyInput.setAttribute('aria-invalid', 'true');
    notify.error(error, 'Sign in');
    page.keyInput.focus();
  } finally {
    signingIn = false;
    page.signInButton.removeAttribute('aria-disabled');
  }
});

page.signOut.addEventListener('click', endSession);

// A reload keeps the session of this browser tab: sign in again with the stored key.
async function resume() {
  const key = savedKey();
  if (!key) {
    showSignIn();
    return;
  }
  try {
    startSession(await authenticate(key), { focus: false });
  } catch (error) {
    forgetKey();
    notify.error(error, 'Sign in');
    showSignIn();
  }
}

resume();
