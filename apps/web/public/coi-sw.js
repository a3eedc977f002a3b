// Cross-origin isolation for static hosts that cannot send headers (GitHub Pages, plain buckets): this service
// worker re-serves every same-scope response with COOP/COEP (and CORP, so subresources stay loadable), which
// gives the page SharedArrayBuffer and wasm threads. Registered by src/isolation.ts only when the page is not
// already isolated. Hosts that can set headers should send them instead (see the README).
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // A request the browser may only answer from cache cannot be re-issued across origins.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith((async () => {
    const response = await fetch(request);
    if (response.status === 0) return response; // opaque: headers cannot be changed
    const headers = new Headers(response.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
    return new Response(response.body, {status: response.status, statusText: response.statusText, headers});
  })());
});
