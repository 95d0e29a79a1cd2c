/**
 * The session token lives in sessionStorage: it survives a reload of the tab but not closing it, and is
 * not shared with other tabs. It is only ever sent as `Authorization: Bearer` by the API client.
 */
const KEY = 'stevedore.session';

export const tokenStore = {
  get(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  set(token: string | null): void {
    try {
      if (token) sessionStorage.setItem(KEY, token);
      else sessionStorage.removeItem(KEY);
    } catch {
      // Storage disabled: the session lasts as long as the page.
    }
  },
};
