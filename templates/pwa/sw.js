// patrol's service worker (rendered by patrol/views/pwa.py). It keeps the app shell and the pages of a
// person's round on the phone, so that scanning a prepared checkpoint in a basement still opens its
// checklist. It never reads or writes the outbox (IndexedDB "patrol-outbox"): static/js/outbox.js,
// running in the page, alone sends what was kept.
//
// Phones are shared (the front desk's, the model room's, the night guard's). A person's pages live in a
// cache of their own, and every other person's cache is emptied as soon as a page comes for someone else
// or for nobody. Signing out without signal forgets the person's pages at once and ends their login on
// the server before anything else is let through once there is signal again.
"use strict";

// A hash of every shell file and of this script: a new build is a new worker with new caches.
const VERSION = {{ version|tojson }};
const SHELL = {{ shell|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const PREPARE_URL = {{ prepare_url|tojson }};
// The report form is kept once, without a query: every link to it (/report?location=<id>) opens that
// copy offline, and the page picks the place its link names (static/js/outbox-report.js).
const REPORT_URL = new URL({{ report_url|tojson }}, self.location.href).href;
const LOGIN_URL = {{ login_url|tojson }};
const LOGOUT_URL = {{ logout_url|tojson }};
const TOKEN_URL = {{ token_url|tojson }};
const PERSON_HEADER = {{ person_header|tojson }};
// The one naming rule for files that never change (patrol/views/static_files.py): /static/<name>.<hash>.<ext>.
const HASHED = new RegExp({{ hashed_path|tojson }});
const SHELL_CACHE = "patrol-shell-" + VERSION;
// One pages cache per person and version: "patrol-pages-<version>-<person>".
const PAGES_PREFIX = "patrol-pages-";
// Whose phone it is now, and whether a sign-out still has to reach the server. Kept across versions.
const PERSON_CACHE = "patrol-person";
const PERSON_KEY = new URL("/__patrol/person", self.location.href).href;
// With a saved copy at hand, a page waits this long for a weak signal before the copy is shown.
const NETWORK_WAIT_MS = 6000;
const SERVER_DOWN = [502, 503, 504];
const SAVED_AT = "X-Patrol-Saved-At";
const PREPARED_FOR = "X-Patrol-Prepared-For";
const SHELL_PATHS = new Set(SHELL.map((url) => new URL(url, self.location.href).href));

self.addEventListener("install", (event) => {
  // A content-hashed file never changes under its name: the HTTP cache's copy is the right one. The
  // rest (the offline page in the person's language, the manifest) comes straight from the server.
  const requests = SHELL.map((url) => new Request(url, {
    cache: HASHED.test(new URL(url, self.location.href).pathname) ? "default" : "reload",
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
    const me = await currentPerson();
    for (const name of await caches.keys()) {
      const kept = name === SHELL_CACHE || name === PERSON_CACHE || (me.who && name === pagesCacheName(me.who));
      if (name.startsWith("patrol-") && !kept) await caches.delete(name);
    }
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();  // the open pages' next requests come here; pwa.js then prepares again
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate" && url.pathname === LOGOUT_URL) {
    event.respondWith(signOut(event));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname === TOKEN_URL) {
    // Nothing more is sent as them: no token while a sign-out made without signal has not reached the
    // server (the outbox then sends nothing and tries again later), even when the attempt to end it failed.
    event.respondWith(afterPendingSignOut().then((ended) => (ended ? fetch(request) : notYet())));
  } else if (request.mode === "navigate") {
    event.respondWith(openPage(event));
  } else if (SHELL_PATHS.has(url.href) || HASHED.test(url.pathname)) {
    event.respondWith(fromShell(request));
  }
  // Anything else (htmx requests, photos, the outbox's sends) goes to the network as if there were no worker.
});

// The shell, and any file with a content-hashed name: a copy is as good as the network's.
async function fromShell(request) {
  const cache = await caches.open(SHELL_CACHE);
  const saved = await cache.match(request);
  if (saved) return saved;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

// Pages: the network first; its answer replaces a saved copy. Offline, too slow, or the server down:
// the saved copy (of the person the phone is with), else the offline page. While a sign-out made without
// signal has not reached the server, no page is asked for with that person's cookies.
async function openPage(event) {
  if (!(await afterPendingSignOut())) return offlinePage();
  const me = await currentPerson();
  const pages = me.who ? await caches.open(pagesCacheName(me.who)) : null;
  const key = savedKey(event.request);
  const saved = pages ? await pages.match(key, { ignoreVary: true }) : undefined;
  // Only the page asked for under its own key refreshes the copy (a report form for a place does not).
  const refresh = saved && (key === event.request || key === event.request.url) ? me.who : null;
  const network = fromNetwork(event, refresh);
  try {
    const response = await (saved ? withinTime(network, NETWORK_WAIT_MS) : network);
    if (!saved || !SERVER_DOWN.includes(response.status)) return response;
  } catch (error) {
    // No connection, or no answer in time: the copy below.
  }
  if (saved) return marked(saved);
  return offlinePage();
}

// Where a page's saved copy is kept: the report form's for any of its links, else the page's own.
function savedKey(request) {
  const url = new URL(request.url);
  return url.origin + url.pathname === REPORT_URL ? REPORT_URL : request;
}

async function offlinePage() {
  const offline = await caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true });
  return offline ? marked(offline) : Response.error();
}

// The answer also says whom the phone is with now; a saved copy is refreshed only for its own person.
function fromNetwork(event, savedFor) {
  let finished;
  // Keeps the worker alive until a late answer is stored, also after the copy was shown.
  event.waitUntil(new Promise((resolve) => { finished = resolve; }));
  const fetched = Promise.resolve(event.preloadResponse).then((preloaded) => preloaded || fetch(event.request));
  return fetched.then(async (response) => {
    const who = personOf(response);
    if (who !== null) await notePerson(who);
    const copy = savedFor && who === savedFor && keepable(response) ? response.clone() : null;
    (copy ? stamped(copy).then(async (page) => (await caches.open(pagesCacheName(savedFor))).put(event.request, page))
      : Promise.resolve()).catch(() => {}).then(finished);
    return response;
  }, (error) => {
    finished();
    throw error;
  });
}

// --- Whose phone it is ---------------------------------------------------------------------------

let person = null;

function pagesCacheName(who) {
  return PAGES_PREFIX + VERSION + "-" + who;
}

// {who: "" for nobody, signOutPending}; on first use, any cache left of someone else is emptied.
async function currentPerson() {
  if (!person) {
    const saved = await (await caches.open(PERSON_CACHE)).match(PERSON_KEY);
    person = saved ? await saved.json() : { who: "", signOutPending: false };
    await dropPagesOfOthers(person.who);
  }
  return person;
}

async function setPerson(next) {
  const before = await currentPerson();
  if (before.who === next.who && before.signOutPending === next.signOutPending) return;
  person = next;
  const body = JSON.stringify(next);
  await (await caches.open(PERSON_CACHE)).put(PERSON_KEY, new Response(body, { headers: { "Content-Type": "application/json" } }));
  if (before.who !== next.who) await dropPagesOfOthers(next.who);
}

async function dropPagesOfOthers(who) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES_PREFIX) && !(who && name === pagesCacheName(who))) await caches.delete(name);
  }
}

// Whom the server made this answer for ("" for nobody), or null when it cannot tell: a redirect (opaque
// to a worker), the server down, or something that is not one of our pages.
function personOf(response) {
  const type = response.headers.get("Content-Type") || "";
  if (response.type !== "basic" || response.status >= 500) return null;
  if (!type.startsWith("text/html") && !type.startsWith("application/json")) return null;
  return response.headers.get(PERSON_HEADER) || "";
}

async function notePerson(who) {
  const me = await currentPerson();
  if (!me.signOutPending) await setPerson({ who: who, signOutPending: false });
}

// The sign-out button. With signal, the server ends the login. Without, this phone forgets the person's
// pages now and ends the login on the server first thing when there is signal (afterPendingSignOut).
async function signOut(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    await setPerson({ who: "", signOutPending: true });
    return Response.redirect(LOGIN_URL, 303);
  }
  if (response.type === "opaqueredirect" || response.ok) await setPerson({ who: "", signOutPending: false });
  return response;
}

// What the outbox is told while a sign-out still waits for the server: not now (it asks again later).
function notYet() {
  return new Response(JSON.stringify({ ok: false }), {
    status: 503, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

// Resolves true once no sign-out waits for the server (ending it now if there is signal), else false.
// A page and the outbox asking at once share one attempt.
let ending = null;

function afterPendingSignOut() {
  ending = ending || endPendingSignOut().finally(() => { ending = null; });
  return ending;
}

async function endPendingSignOut() {
  const me = await currentPerson();
  if (!me.signOutPending) return true;
  try {
    const session = await fetch(TOKEN_URL, { cache: "no-store", headers: { Accept: "application/json" } });
    if (session.ok) {
      const { token } = await session.json();
      const ended = await fetch(LOGOUT_URL, {
        method: "POST", redirect: "manual", headers: { "X-CSRFToken": token, Accept: "application/json" },
      });
      if (ended.type !== "opaqueredirect" && !ended.ok) return false;
    } else if (session.status !== 401) {
      return false;  // the server is not answering as itself: try again at the next request
    }
  } catch (error) {
    return false;
  }
  await setPerson({ who: "", signOutPending: false });
  return true;
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
  } else if (data.type === "patrol-prepared") {
    event.waitUntil(preparedCheckpoints().then(reply, () => reply({ checkpoints: [] })));
  } else if (data.type === "patrol-forget") {
    event.waitUntil(forget().then(() => reply({ ok: true })));
  } else if (data.type === "patrol-version") {
    reply({ version: VERSION });
  }
});

// Every page load asks; the list and its pages are fetched again once the copy is maxAge old, or was
// made for another person or in another language (key: who and the page's language).
async function prepareUnlessFresh(maxAge, key) {
  if (!(await afterPendingSignOut())) return { ok: false, saved: 0 };
  const me = await currentPerson();
  if (!me.who) return prepare(key);  // the first page came before this worker did: the list says whose
  const pages = await caches.open(pagesCacheName(me.who));
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
  const who = personOf(listed);
  if (!who) return { ok: false, saved: 0 };
  await notePerson(who);
  const plan = await listed.clone().json();
  const pages = await caches.open(pagesCacheName(who));
  const wanted = new Set(plan.urls.map((url) => new URL(url, self.location.href).href));
  let saved = 0;
  await inTurns(plan.urls, 3, async (url) => {
    try {
      const page = await fetch(url, { cache: "no-store", headers: { "X-Patrol-Prepare": "1" } });
      if (keepable(page) && personOf(page) === who) {
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

// The checkpoints whose pages this phone holds for the person it is with (the offline page lists them).
async function preparedCheckpoints() {
  const me = await currentPerson();
  if (!me.who || me.signOutPending) return { checkpoints: [] };
  const pages = await caches.open(pagesCacheName(me.who));
  const listed = await pages.match(PREPARE_URL);
  const plan = listed ? await listed.json() : {};
  const kept = [];
  for (const checkpoint of plan.checkpoints || []) {
    if (await pages.match(checkpoint.url, { ignoreVary: true })) kept.push(checkpoint);
  }
  return { checkpoints: kept };
}

// A page for nobody (signed out): no one's pages stay on the phone.
async function forget() {
  const me = await currentPerson();
  await setPerson({ who: "", signOutPending: me.signOutPending });
  await dropPagesOfOthers("");
}

// --- Background Sync: only wakes the open pages; outbox.js sends under its own lock ------------------

self.addEventListener("sync", (event) => {
  if (event.tag !== "patrol-outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
    clients.forEach((client) => client.postMessage({ type: "patrol-flush" }));
  }));
});
