// The outbox (docs/outbox.md, /work/shared/OFFLINE.md): answers, photos and submits are kept in
// IndexedDB "patrol-outbox" before any page says so, and leave it only on the server's acknowledgement.
// On every page: the store, the bar of what waits, the triggers; the other parts are fetched when needed.
(function () {
  "use strict";
  if (window.patrolOutbox) return;

  var DB_NAME = "patrol-outbox";
  var DB_VERSION = 1;
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("patrol-outbox") : null;
  var tab = uuid();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // Where IndexedDB cannot open (some private modes), memory: the page must then stay open.

  var opening = null;
  function database() {
    if (!opening) {
      opening = new Promise(function (resolve) {
        if (!window.indexedDB) { resolve(null); return; }
        var request;
        try { request = indexedDB.open(DB_NAME, DB_VERSION); } catch (error) { resolve(null); return; }
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("ops")) db.createObjectStore("ops", { keyPath: "op" });
          if (!db.objectStoreNames.contains("photos")) db.createObjectStore("photos", { keyPath: "id" });
          if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () { db.close(); };  // a newer page upgrades; this one gives way
          resolve(db);
        };
        request.onerror = request.onblocked = function () { resolve(null); };
      });
    }
    return opening;
  }

  var memory = { ops: new Map(), photos: new Map(), meta: new Map() };

  // One transaction; resolves with what `work` passed to done() once it is committed.
  function transact(names, work) {
    return database().then(function (db) {
      if (!db) return inMemory(work);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, "readwrite");
        var result;
        var call = function (store, method, arg, then) {
          var request = tx.objectStore(store)[method](arg);
          request.onsuccess = function () { if (then) then(request.result); };
        };
        var api = {
          get: function (store, key, then) { call(store, "get", key, then); },
          all: function (store, then) { call(store, "getAll", undefined, then); },
          put: function (store, value) { call(store, "put", value); },
          del: function (store, key) { call(store, "delete", key); },
          done: function (value) { result = value; },
        };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        work(api);
      });
    });
  }

  function inMemory(work) {
    var result;
    var copy = function (value) { return value === undefined ? undefined : Object.assign({}, value); };
    work({
      get: function (store, key, then) { then(copy(memory[store].get(key))); },
      all: function (store, then) { then(Array.from(memory[store].values()).map(copy)); },
      put: function (store, value) { memory[store].set(value[store === "ops" ? "op" : store === "photos" ? "id" : "key"], copy(value)); },
      del: function (store, key) { memory[store].delete(key); },
      done: function (value) { result = value; },
    });
    return Promise.resolve(result);
  }

  function byOrder(a, b) { return a.order - b.order; }

  function all() {
    return transact(["ops"], function (tx) { tx.all("ops", function (ops) { tx.done(ops.sort(byOrder)); }); });
  }

  function photo(id) {
    return transact(["photos"], function (tx) { tx.get("photos", id, tx.done); });
  }

  // A newer answer to an item (or submit) replaces one not being sent, in its place in the order.
  function keep(op, picture) {
    return transact(["ops", "photos"], function (tx) {
      tx.all("ops", function (ops) {
        var mine = ops.filter(function (other) { return other.inspection === op.inspection; });
        var replaced = mine.filter(function (other) {
          return other.state !== "sending" && other.kind === op.kind && op.kind !== "photo"
            && (op.kind === "submit" || other.item === op.item);
        });
        var last = Math.max.apply(null, [0].concat(ops.map(function (other) { return other.order; })));
        var first = Math.min.apply(null, replaced.map(function (other) { return other.order; }));
        op.order = replaced.length && op.kind === "answer" ? first : last + 1;
        op.seq = Math.max.apply(null, [Date.now(), Number(op.minSeq || 0) + 1].concat(mine.map(function (other) { return other.seq + 1; })));
        replaced.forEach(function (other) { tx.del("ops", other.op); });
        tx.put("ops", op);
        if (picture) tx.put("photos", picture);
        tx.done(op);
      });
    });
  }

  // Taken back by the person; not while it is being sent (its outcome is unknown).
  function drop(id) {
    return transact(["ops", "photos"], function (tx) {
      tx.get("ops", id, function (op) {
        if (!op || op.state === "sending") { tx.done(null); return; }
        tx.del("ops", id);
        if (op.photo) tx.del("photos", op.photo);
        tx.done(op);
      });
    });
  }

  var cachedWords = null;
  function say(key, values) {
    if (!cachedWords) {
      var bar = document.querySelector("[data-outbox-bar]");
      try { cachedWords = JSON.parse(bar ? bar.dataset.words : "{}"); } catch (error) { cachedWords = {}; }
    }
    var text = cachedWords[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  // To this tab's pages and the other tabs.
  function tell(detail, local) {
    window.dispatchEvent(new CustomEvent("patrol-outbox", { detail: detail }));
    if (channel && !local) channel.postMessage(detail);
  }
  if (channel) channel.onmessage = function (event) { tell(event.data, true); };

  // The sender is fetched the first time something waits and there is signal.
  function flush(force) {
    if (window.patrolOutboxSender) return window.patrolOutboxSender.flush(force);
    return all().then(function (ops) {
      if (!ops.length || navigator.onLine === false) return null;
      // What is acknowledged is remembered for saved copies of the checklist (outbox-acked.js).
      return need("acked").catch(function () {}).then(function () { return need("send"); })
        .then(function () { return window.patrolOutboxSender.flush(force); }, function () { return null; });
    });
  }

  // The other parts, fetched in order when a page first needs them: the scan page's first load stays small.
  var loading = {};
  // A part the page's script bundle already ran (patrol/views/static_bundles.py) is not fetched again.
  var RAN = { item: "patrolChecklistItem", scan: "patrolChecklist", send: "patrolOutboxSender",
    photos: "patrolChecklistPhotos", submit: "patrolChecklistSubmit", list: "patrolOutboxList", count: "patrolCount",
    acked: "patrolOutboxAcked", report: "patrolReport", picture: "patrolPicture" };
  // A part that uses another is fetched after it: both photo parts build on outbox-picture.js.
  var AFTER = { photos: "picture", report: "picture" };
  function need(name) {
    if (!loading[name] && RAN[name] && window[RAN[name]]) loading[name] = Promise.resolve();
    if (!loading[name]) {
      loading[name] = (AFTER[name] ? need(AFTER[name]) : Promise.resolve()).then(function () { return fetchPart(name); });
      loading[name].catch(function () { delete loading[name]; });  // tried again when next needed
    }
    return loading[name];
  }

  function fetchPart(name) {
    return new Promise(function (resolve, reject) {
      var bar = document.querySelector("[data-outbox-bar]");
      var scripts = bar ? JSON.parse(bar.dataset.scripts || "{}") : {};
      if (!scripts[name]) { reject(new Error(name)); return; }
      var script = document.createElement("script");
      script.src = scripts[name];
      script.async = false;
      script.onload = resolve;
      script.onerror = function () { script.remove(); reject(new Error(name)); };
      document.head.appendChild(script);
    });
  }

  // Resolves once written and committed: only then may a page say "kept on this phone".
  function enqueue(op, picture) {
    op.op = op.op || uuid();
    op.created = op.created || Date.now();
    op.state = "queued";
    op.attempts = 0;
    op.nextAt = 0;
    return keep(op, picture || null).then(function (kept) {
      tell({ type: "queued", op: kept });
      setTimeout(flush, 0);
      return kept;
    });
  }

  function remove(id) {
    return drop(id).then(function (dropped) {
      if (dropped) tell({ type: "removed", op: dropped });
      return dropped;
    });
  }

  // Inspections acknowledged as submitted (outbox-send.js): a saved copy of their page starts anew.
  function doneList() {
    try { return JSON.parse(localStorage.getItem("patrol-outbox-done") || "[]"); } catch (error) { return []; }
  }

  // --- The bar under the header: "3 waiting · oldest 2 h" ------------------------------------

  function age(since) {
    var minutes = Math.max(1, Math.round((Date.now() - since) / 60000));
    if (minutes < 90) return say("minutes", { num: minutes });
    var hours = Math.round(minutes / 60);
    return hours < 48 ? say("hours", { num: hours }) : say("days", { num: Math.round(hours / 24) });
  }

  function stuck(op) { return op.state === "needs_user" || op.state === "conflict"; }

  // Phones are shared: the person this page is for ("" on a page for nobody) sees their own items, and of
  // everyone else's only how many there are. Nothing else of them: no place, item, name or photo.
  function whoseOps(ops) {
    var bar = document.querySelector("[data-outbox-bar]");
    var me = bar ? bar.dataset.user : "";
    var mine = me ? ops.filter(function (op) { return String(op.user) === me; }) : [];
    return { me: me, mine: mine, others: ops.length - mine.length };
  }

  // Shown once something has waited a moment (or needs the person): answering with signal, items
  // leave within a second, and a bar coming and going would move what the thumb is about to tap.
  var SETTLE_MS = 2000;
  function showBar(all) {
    var bar = document.querySelector("[data-outbox-bar]");
    if (!bar) return;
    var whose = whoseOps(all);
    var ops = whose.mine;
    // Signing out asks first while the person's own items wait (app.js asks data-confirm): F10.
    document.querySelectorAll("form[data-outbox-signout]").forEach(function (form) {
      if (ops.length) form.setAttribute("data-confirm", say("signout_waiting"));
      else form.removeAttribute("data-confirm");
    });
    var now = Date.now();
    var fresh = ops.filter(function (op) {
      return op.state === "sending" || (op.state === "queued" && now - op.created < SETTLE_MS);
    });
    if (bar.hidden && ops.length && !whose.others && fresh.length === ops.length) {
      setTimeout(refreshBar, SETTLE_MS);
      return;
    }
    var parts = [];
    if (ops.length) {
      parts.push(say("count", { num: ops.length }));
      parts.push(say("oldest", { age: age(Math.min.apply(null, ops.map(function (op) { return op.created; }))) }));
    }
    var refused = ops.filter(stuck).length;
    if (refused) parts.push(say(refused === 1 ? "attention_one" : "attention_many", { num: refused }));
    if (whose.others) parts.push(say(whose.me ? "others_waiting" : "phone_waiting", { num: whose.others }));
    bar.querySelector("[data-outbox-count]").textContent = parts.join(" · ");
    var signin = bar.querySelector("[data-outbox-signin]");
    signin.hidden = !ops.some(function (op) { return op.state === "needs_signin"; });
    signin.href = bar.dataset.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
    bar.hidden = all.length === 0;
    document.body.classList.toggle("outbox-waiting", all.length > 0);
  }

  var showing = false;
  function refreshBar() {
    if (showing) return;
    showing = true;
    setTimeout(function () { showing = false; all().then(showBar); }, 50);
  }

  // A "no connection" message is stale once anything gets through.
  function clearConnectionMessages() {
    document.querySelectorAll("#messages [data-connection]").forEach(function (message) { message.remove(); });
  }

  // The page's own parts: the checklist on a scan page, the list at /outbox.
  function pageParts() {
    refreshBar();
    if (document.querySelector("form[data-outbox-form]")) {
      var parts = need("item").then(function () { return need("scan"); });
      // A model room's count sheet: its own part, fetched only where there is one.
      if (document.querySelector("[data-count-sheet]")) parts = parts.then(function () { return need("count"); });
      parts.catch(function () {});
    }
    if (document.querySelector("[data-outbox-list]")) need("list").catch(function () {});
    if (document.querySelector("form[data-report-form]")) need("report").catch(function () {});
  }

  window.patrolOutbox = {
    durable: function () { return database().then(Boolean); },
    enqueue: enqueue, remove: remove, all: all, photo: photo, flush: flush, need: need, say: say, tell: tell,
    uuid: uuid, age: age, stuck: stuck, whoseOps: whoseOps, doneList: doneList, tab: tab, transact: transact,
  };

  window.addEventListener("patrol-outbox", function (event) {
    if (event.detail && event.detail.type === "progress") return;
    if (event.detail && event.detail.type === "acked") clearConnectionMessages();
    refreshBar();
  });
  window.addEventListener("online", clearConnectionMessages);
  document.addEventListener("htmx:afterRequest", function (event) { if (event.detail.successful) clearConnectionMessages(); });
  document.addEventListener("htmx:afterSettle", pageParts);
  document.addEventListener("DOMContentLoaded", pageParts);
  setInterval(refreshBar, 60 * 1000);

  // Sent whenever there may be a way; Background Sync's "patrol-flush" is only an extra (F6).
  window.addEventListener("online", function () { flush(true); });
  window.addEventListener("pageshow", function () { flush(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data === "patrol-flush" || (event.data && event.data.type === "patrol-flush")) flush(true);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { flush(); });
})();
