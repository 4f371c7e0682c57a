// Who is signed in: the API key (kept in sessionStorage, so it lives only as long as the browser tab) and what
// Tenants/WhoAmI says about it.
import { createApi } from './api.js';

const STORAGE_KEY = 'swapgate.console.apiKey';

/** Checks a key with Tenants/WhoAmI; resolves to { api, who, isAdmin } or rejects with the ApiError. */
export async function authenticate(apiKey) {
  const api = createApi(apiKey);
  const who = await api.call('Tenants', 'WhoAmI', {});
  return { api, who, isAdmin: (who.roles ?? []).includes('admin') };
}

export function savedKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return ''; // storage disabled: the user signs in again after a reload
  }
}

export function saveKey(apiKey) {
  try {
    sessionStorage.setItem(STORAGE_KEY, apiKey);
  } catch {
    // storage disabled: the session lasts until the page is reloaded
  }
}

export function forgetKey() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
