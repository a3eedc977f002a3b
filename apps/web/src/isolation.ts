// wasm threads need a cross-origin isolated page. The dev and preview servers send COOP/COEP; on a static host
// that cannot, a service worker adds them (public/coi-sw.js) and the page reloads once under it.
const RELOADED = 'daek-coi-reloaded';

/**
 * Make the page cross-origin isolated if it can be: resolves at once when it already is, or when it cannot be
 * (no service workers, not a secure context, `?coi=0`, or the reload already happened); otherwise reloads.
 */
export async function ensureIsolation(): Promise<void> {
  if (globalThis.crossOriginIsolated) return;
  if (!('serviceWorker' in navigator) || !isSecureContext) return;
  if (new URLSearchParams(location.search).get('coi') === '0') return;
  const base = new URL('./', document.baseURI);
  try {
    const registration = await navigator.serviceWorker.register(new URL('coi-sw.js', base), {scope: base.pathname});
    if (sessionStorage.getItem(RELOADED)) return; // reloaded once and still not isolated: run without threads
    const reload = () => { sessionStorage.setItem(RELOADED, '1'); location.reload(); };
    if (registration.active && navigator.serviceWorker.controller) { reload(); return; }
    await new Promise<void>((resolve) => {
      navigator.serviceWorker.addEventListener('controllerchange', () => { reload(); resolve(); }, {once: true});
      setTimeout(resolve, 3000); // no control after 3 s: go on without isolation
    });
  } catch {
    // Registration refused (private mode, policy): run on one thread; the page says it is not isolated.
  }
}
