/* Songda courier: keeps the courier's pages and assets for when there is no signal. */
const CACHE = "songda-courier-v1";
const TODAY = "{{ today|escapejs }}";
const ASSETS = [{% for url in static %}"{{ url|escapejs }}",{% endfor %} TODAY];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.cache) || [];
  // Stop pages for offline use: fetched once; a visit with signal refreshes them.
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(urls.map((u) =>
    cache.match(u).then((hit) => hit || cache.add(u)).catch(() => null)))));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: the newest from the network, the kept copy without signal.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, response.clone()));
          return response.clone();
        })
        .catch(() => caches.match(request).then((hit) => hit || caches.match(TODAY)))
    );
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
