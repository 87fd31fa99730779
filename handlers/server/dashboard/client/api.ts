/** The key (asked once, kept in sessionStorage for this tab, shared with /docs) and data fetches. */
export const KEY_STORAGE = "deliberate.apiKey";

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Takes ?api_key= from the address (older links) into the session, and out of the address bar. */
export function adoptKeyFromUrl(): void {
  const fromUrl = new URLSearchParams(location.search).get("api_key");
  if (!fromUrl) return;
  sessionStorage.setItem(KEY_STORAGE, fromUrl);
  history.replaceState(null, "", location.pathname);
}

export function setKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key.trim());
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${apiKey() ?? ""}` } });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${path}: HTTP ${response.status}`);
  return body as T;
}

export function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}
