// patrol's service worker (rendered by patrol/views/pwa.py). It keeps the app shell and the pages of a
// person's round on the phone, so that scanning a prepared checkpoint in a basement still opens its
// checklist. It never reads or writes the outbox (IndexedDB "patrol-outbox"): static/js/outbox.js,
// running in the page, alone sends what was kept.
"use strict";

// A hash of every shell file and of this script: a new build is a new worker with new caches.
const VERSION = {{ version|tojson }};
const SHELL = {{ shell|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const PREPARE_URL = {{ prepare_url|tojson }};
const STATIC_PREFIXES = {{ static_prefixes|tojson }};
const SHELL_CACHE = "patrol-shell-" + VERSION;
const PAGES_CACHE = "patrol-pages-" + VERSION;
// With a saved copy at hand, a page waits this long for a weak signal before the copy is shown.
const NETWORK_WAIT_MS = 6000;
const SERVER_DOWN = [502, 503, 504];
const SAVED_AT = "X-Patrol-Saved-At";
const PREPARED_FOR = "X-Patrol-Prepared-For";
const SHELL_PATHS = new Set(SHELL.map((url) => new URL(url, self.location.href).href));

self.addEventListener("install", (event) => {
  // A content-hashed file never changes under its name: the HTTP cache's copy is the right one. The
  // rest (the offline page in the person's language, the manifest) comes straight from the server.
  const HASHED = /\.[0-9a-f]{8}\.|[?&]v=/;
  const requests = SHELL.map((url) => new Request(url, {
    cache: HASHED.test(url) ? "default" : "reload",
    credentials: "same-origin",
  }));
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(requests))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // Every other version's caches go: pages saved by an older build name files this one does not keep.
    for (const name of await caches.keys()) {
      if (name.startsWith("patrol-") && name !== SHELL_CACHE && name !== PAGES_CACHE) await caches.delete(name);
    }
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();  // the open pages' next requests come here; pwa.js then prepares again
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(openPage(event));
  } else if (SHELL_PATHS.has(url.href) || STATIC_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(fromShell(request));
  }
  // Anything else (htmx requests, photos, the outbox's sends) goes to the network as if there were no worker.
});

// Static files have content-hashed names: a copy is as good as the network's.
async function fromShell(request) {
  const cache = await caches.open(SHELL_CACHE);
  const saved = await cache.match(request);
  if (saved) return saved;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

// Pages: the network first; its answer replaces a saved copy. Offline, too slow, or the server down:
// the saved copy, else the offline page.
async function openPage(event) {
  const pages = await caches.open(PAGES_CACHE);
  const saved = await pages.match(event.request, { ignoreVary: true });
  const network = fromNetwork(event, saved ? pages : null);
  try {
    const response = await (saved ? withinTime(network, NETWORK_WAIT_MS) : network);
    if (!saved || !SERVER_DOWN.includes(response.status)) return response;
  } catch (error) {
    // No connection, or no answer in time: the copy below.
  }
  if (saved) return marked(saved);
  const offline = await caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true });
  return offline ? marked(offline) : Response.error();
}

function fromNetwork(event, pages) {
  let finished;
  // Keeps the worker alive until a late answer is stored, also after the copy was shown.
  event.waitUntil(new Promise((resolve) => { finished = resolve; }));
  const fetched = Promise.resolve(event.preloadResponse).then((preloaded) => preloaded || fetch(event.request));
  return fetched.then((response) => {
    const copy = pages && keepable(response) ? response.clone() : null;
    (copy ? stamped(copy).then((page) => pages.put(event.request, page)) : Promise.resolve())
      .catch(() => {}).then(finished);
    return response;
  }, (error) => {
    finished();
    throw error;
  });
}

function withinTime(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); }
    );
  });
}

// A page worth keeping: the page itself, not an error, a redirect (to sign in) or anything else.
function keepable(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected && type.startsWith("text/html");
}

// The stored copy remembers when it was fetched (and the list, for whom).
async function stamped(response, key) {
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  if (key !== undefined) headers.set(PREPARED_FOR, key);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  return new Response(await response.blob(), { status: 200, statusText: "OK", headers });
}

// A copy served in place of the network says so: <html data-patrol-saved-at="…">. pwa.js shows the
// time, and outbox.js mints a new inspection id for a checklist opened from a copy.
async function marked(response) {
  const at = (response.headers.get(SAVED_AT) || "").replace(/[^0-9TZ:.\-]/g, "") || "unknown";
  const text = (await response.text()).replace("<html", '<html data-patrol-saved-at="' + at + '"');
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  return new Response(text, { status: 200, statusText: "OK", headers });
}

// --- Preparing a round: pwa.js asks after a page loads (at most every few minutes) --------------

let preparing = null;

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (value) => { if (port) port.postMessage(value); };
  if (data.type === "patrol-prepare") {
    const key = String(data.key || "");
    preparing = preparing || prepareUnlessFresh(Number(data.maxAge) || 0, key).finally(() => { preparing = null; });
    event.waitUntil(preparing.then(reply, () => reply({ ok: false })));
  } else if (data.type === "patrol-forget") {
    event.waitUntil(forget().then(() => reply({ ok: true })));
  } else if (data.type === "patrol-version") {
    reply({ version: VERSION });
  }
});

// Every page load asks; the list and its pages are fetched again once the copy is maxAge old, or was
// made for another person or in another language (key: who and the page's language).
async function prepareUnlessFresh(maxAge, key) {
  const pages = await caches.open(PAGES_CACHE);
  const listed = await pages.match(PREPARE_URL);
  const savedAt = listed ? Date.parse(listed.headers.get(SAVED_AT) || "") : NaN;
  if (Date.now() - savedAt < maxAge && listed.headers.get(PREPARED_FOR) === key) {
    return { ok: true, fresh: true, saved: (await pages.keys()).length - 1, version: VERSION };
  }
  return prepare(key);
}

async function prepare(key) {
  const listed = await fetch(PREPARE_URL, { cache: "no-store", headers: { Accept: "application/json" } });
  const type = listed.headers.get("Content-Type") || "";
  if (!listed.ok || listed.redirected || !type.startsWith("application/json")) return { ok: false, saved: 0 };
  const plan = await listed.clone().json();
  const pages = await caches.open(PAGES_CACHE);
  const wanted = new Set(plan.urls.map((url) => new URL(url, self.location.href).href));
  let saved = 0;
  await inTurns(plan.urls, 3, async (url) => {
    try {
      const page = await fetch(url, { cache: "no-store" });
      if (keepable(page)) {
        await pages.put(url, await stamped(page));
        saved += 1;
      } else if (page.status >= 400 && page.status < 500) {
        await pages.delete(url);  // gone, retired or no longer this person's
      }
    } catch (error) {
      // Lost the signal half way: what was saved stays, the rest next time.
    }
  });
  for (const request of await pages.keys()) {
    if (!wanted.has(request.url) && request.url !== new URL(PREPARE_URL, self.location.href).href) {
      await pages.delete(request);
    }
  }
  await pages.put(PREPARE_URL, await stamped(listed, key));  // the list the offline page shows
  await refreshOfflinePage();
  return { ok: true, saved: saved, wanted: plan.urls.length, version: VERSION };
}

async function refreshOfflinePage() {
  try {
    const page = await fetch(OFFLINE_URL, { cache: "no-store" });
    if (keepable(page)) await (await caches.open(SHELL_CACHE)).put(OFFLINE_URL, page);
  } catch (error) {
    // The installed copy stays.
  }
}

async function inTurns(items, width, work) {
  const queue = items.slice();
  const worker = async () => { while (queue.length) await work(queue.shift()); };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}

// Signed out: no one else's pages stay on the phone.
async function forget() {
  await caches.delete(PAGES_CACHE);
}

// --- Background Sync: only wakes the open pages; outbox.js sends under its own lock ------------------

self.addEventListener("sync", (event) => {
  if (event.tag !== "patrol-outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
    clients.forEach((client) => client.postMessage({ type: "patrol-flush" }));
  }));
});
