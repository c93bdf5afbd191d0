// Sending what the outbox keeps (outbox.js): one flush at a time per phone (navigator.locks, else a
// lease in IndexedDB), one request at a time, oldest first, in order within an inspection. An item
// leaves only on the server's JSON acknowledgement echoing its id (and for a photo, the hash of the
// bytes that arrived: F1). Every other outcome keeps it (OFFLINE.md §3, "Classifying responses"):
//   no network, timeout, 5xx, 429, a page instead of the acknowledgement → queued, tried again later
//     (1 s doubling to 5 min, ±20 %, at least what Retry-After says);
//   401, a CSRF refusal, a redirect to the sign-in page → every item waits for the person to sign in;
//   409 → conflict; any other refusal (422, 410…) → needs_user, shown with the server's words.
// A fresh CSRF token is fetched before each flush; none is ever stored with an item (F8).
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  if (!outbox || window.patrolOutboxSender) return;

  var FIRST_RETRY_MS = 1000;
  var LAST_RETRY_MS = 5 * 60 * 1000;
  var TICK_MS = 30 * 1000;
  var TIMEOUT_MS = 30 * 1000;
  var PHOTO_TIMEOUT_MS = 120 * 1000;
  var LEASE_MS = 60 * 1000;
  var store = { all: outbox.all, photo: outbox.photo, change: change, done: done, lease: lease, release: release };
  var running = null;
  var again = false;
  var timer = null;

  // promise.finally (ES2018), for the older WebViews: `then` runs either way, the outcome passes through.
  // --- The store's writes that only sending makes ----------------------------------------------

  // Change fields of an operation still there; resolves with it changed, or null if it is gone.
  function change(id, fields) {
    return outbox.transact(["ops"], function (tx) {
      tx.get("ops", id, function (op) {
        if (!op) { tx.done(null); return; }
        Object.assign(op, fields);
        tx.put("ops", op);
        tx.done(op);
      });
    });
  }

  // Acknowledged: the operation and its photo go, in one transaction (F5). A report's photo stays until
  // the report that lists it (`photos`) is acknowledged: refused, the report still shows it.
  function done(id) {
    return outbox.transact(["ops", "photos"], function (tx) {
      tx.get("ops", id, function (op) {
        if (!op) return;
        tx.del("ops", id);
        if (op.photo && !op.keepPhoto) tx.del("photos", op.photo);
        (op.photos || []).forEach(function (photo) { tx.del("photos", photo); });
        tx.done(op);
      });
    });
  }

  // Where navigator.locks is missing: one flush per phone through a lease in the database (F4).
  function lease(ms) {
    return outbox.transact(["meta"], function (tx) {
      tx.get("meta", "flush", function (held) {
        var free = !held || held.until < Date.now() || held.tab === outbox.tab;
        if (free) tx.put("meta", { key: "flush", tab: outbox.tab, until: Date.now() + ms });
        tx.done(free);
      });
    });
  }

  function release() {
    return outbox.transact(["meta"], function (tx) {
      tx.get("meta", "flush", function (held) { if (held && held.tab === outbox.tab) tx.del("meta", "flush"); });
    });
  }

  function rememberDone(inspection) {
    var list = outbox.doneList().filter(function (id) { return id !== inspection; }).concat([inspection]);
    try { localStorage.setItem("patrol-outbox-done", JSON.stringify(list.slice(-50))); } catch (error) { /* none */ }
  }

  // Items wait: ask the browser to keep this site's storage (a refusal is normal: the rule is still to
  // drain fast, F10), and where it has Background Sync, to wake the pages when the signal returns
  // ("patrol-flush", templates/pwa/sw.js) — an extra only.
  var asked = false;
  function askToKeep() {
    if (asked) return;
    asked = true;
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    if (!navigator.serviceWorker || !("SyncManager" in window)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register("patrol-outbox");
    }).catch(function () { /* no permission, no worker: the page's own triggers remain */ });
  }

  // --- Sending ---------------------------------------------------------------------------------

  function always(promise, then) {
    return promise.then(function (value) { then(); return value; }, function (error) { then(); throw error; });
  }

  function flush(force) {
    if (running) { again = true; return running; }
    var work = function () { return sendAll(force === true); };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request("patrol-outbox", work)
      : store.lease(LEASE_MS).then(function (held) { return held ? always(work(), store.release) : null; });
    running = Promise.resolve(locked).catch(function () { /* tried again at the next trigger */ }).then(function () {
      running = null;
      if (again) { again = false; return flush(); }
      outbox.tell({ type: "flushed" }, true);
      schedule();
      return null;
    });
    return running;
  }

  function sendAll(force) {
    return store.all().then(function (ops) {
      if (ops.length) askToKeep();
      if (!ops.length || navigator.onLine === false) return null;
      return freshToken().then(function (session) {
        if (!session) return null;
        if (session.signin) return pause();
        return resume(ops, session.user).then(function () { return sendEach(session, force, {}); });
      });
    });
  }

  // Each item is read again from the store before it is sent: another tab may have sent it meanwhile.
  function sendEach(session, force, tried) {
    return store.all().then(function (ops) {
      var op = nextDue(ops, session.user, force, tried);
      if (!op) return null;
      tried[op.op] = true;
      return sendOne(op, session.token).then(function (goOn) { return goOn ? sendEach(session, force, tried) : null; });
    });
  }

  // Only the signed-in person's items go: another person's wait for them to sign in on this phone.
  function nextDue(ops, user, force, tried, at) {
    var now = at || Date.now();
    return ops.filter(function (op) {
      return !tried[op.op] && String(op.user) === String(user) && (op.state === "queued" || op.state === "sending")
        && (force || !(op.nextAt > now)) && !waitsFor(ops, op);
    })[0] || null;
  }

  // Within one inspection: an item's answer before its photos (a photo needs the answer it belongs
  // to), the submit after everything still to send; each photo on its own, so a refused one holds up
  // no other. A stuck item holds up only its own inspection (F7).
  function waitsFor(ops, op) {
    return ops.some(function (other) {
      if (other.order >= op.order || other.inspection !== op.inspection) return false;
      var pending = other.state === "queued" || other.state === "sending" || other.state === "needs_signin";
      if (op.kind === "submit" || op.kind === "report") return pending;
      if (other.item !== op.item || other.kind !== "answer") return false;
      return op.kind === "photo" || pending;
    });
  }

  function sendOne(op, token) {
    var fields = { state: "sending", attempts: (op.attempts || 0) + 1, lease: Date.now() + LEASE_MS };
    return store.change(op.op, fields).then(function (sending) {
      if (!sending) return true;
      outbox.tell({ type: "sending", op: sending });
      return request(sending, token).then(function (result) { return settle(sending, judge(sending, result)); });
    });
  }

  function request(op, token) {
    var form = new FormData();
    Object.keys(op.fields || {}).forEach(function (name) { form.append(name, op.fields[name]); });
    form.append("op", op.op);
    form.append("seq", String(op.seq));
    // The phone's clock (visit_times.py): when the person acted, and when this request leaves, from
    // which the server learns how far this clock is off.
    var acted = { answer: "answered_at", count: "answered_at", submit: "completed_at" }[op.kind];
    if (acted && op.created) form.append(acted, String(op.created));
    form.append("sent_at", String(Date.now()));
    if (op.kind !== "photo") return post(op.url, form, token);
    return store.photo(op.photo).then(function (photo) {
      if (!photo) return { missing: true };
      form.append("sha256", photo.sha256 || "");
      form.append(op.field, new Blob([photo.bytes], { type: photo.type || "image/jpeg" }), "photo.jpg");
      return upload(op, form, token);
    });
  }

  function post(url, form, token) {
    var controller = window.AbortController ? new AbortController() : null;
    var stop = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    var sent = fetch(url, {
      method: "POST", body: form, credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": token }, signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      var result = answered(response.status, response.headers, response.redirected ? response.url : "");
      if (!result.json) return result;
      return response.json().then(function (body) { result.body = body; return result; }, function () { return result; });
    }, function () { return { network: true }; });
    return always(sent, function () { clearTimeout(stop); });
  }

  // A photo goes by XMLHttpRequest: it says how much has left the phone, for the progress bar.
  function upload(op, form, token) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var target = new URL(op.url, location.href).href;
      xhr.open("POST", target);
      xhr.timeout = PHOTO_TIMEOUT_MS;
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) outbox.tell({ type: "progress", op: op, done: event.loaded / event.total }, true);
      };
      xhr.onload = function () {
        var headers = { get: function (name) { return xhr.getResponseHeader(name); } };
        var result = answered(xhr.status, headers, xhr.responseURL && xhr.responseURL !== target ? xhr.responseURL : "");
        if (result.json) { try { result.body = JSON.parse(xhr.responseText); } catch (error) { /* not ours */ } }
        resolve(result);
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve({ network: true }); };
      xhr.send(form);
    });
  }

  function answered(status, headers, redirectedTo) {
    var seconds = Number(headers.get("Retry-After"));
    return {
      status: status,
      json: (headers.get("Content-Type") || "").indexOf("application/json") === 0,
      retryAfter: isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
      signin: Boolean(redirectedTo) && new URL(redirectedTo, location.href).pathname.indexOf("/login") === 0,
    };
  }

  function judge(op, result) {
    var body = result.body || null;
    var status = result.status;
    if (result.missing) return { state: "needs_user", error: "" };
    if (result.network) return { retry: true, stop: true };
    if (result.signin || status === 401 || (body && body.error === "csrf")) return { signin: true };
    if (status >= 200 && status < 300) {
      var echoed = body && body.ok === true && body.op === op.op;
      if (echoed && (op.kind !== "photo" || !op.sha256 || body.received_sha256 === op.sha256)) return { ack: body };
      return { retry: true };  // a page that is not our acknowledgement: a Wi-Fi login page, a proxy
    }
    if (status === 408 || status === 429 || status >= 500 || (body && body.error === "incomplete")) {
      return { retry: true, stop: status >= 500, after: result.retryAfter, error: body ? body.message : "HTTP " + status };
    }
    var error = body && body.message ? body.message : "HTTP " + status;
    var conflict = Boolean(body) && body.error === "conflict";  // the same id with other content (F3)
    return { state: conflict ? "conflict" : "needs_user", error: error, errors: (body && body.errors) || null };
  }

  function settle(op, verdict) {
    if (verdict.ack) {
      if (op.kind === "submit") rememberDone(op.inspection);
      return store.done(op.op).then(function () {
        return op.kind === "answer" ? retryPhotosOf(op) : null;
      }).then(function () {
        outbox.tell({ type: "acked", op: op, ack: verdict.ack });
        return true;
      });
    }
    if (verdict.signin) {
      return store.change(op.op, { state: "queued", attempts: op.attempts - 1 }).then(pause).then(function () { return false; });
    }
    if (verdict.retry) {
      var wait = Math.max(backoff(op.attempts), verdict.after || 0);
      var fields = { state: "queued", nextAt: Date.now() + wait, error: verdict.error || "" };
      return store.change(op.op, fields).then(function (changed) {
        outbox.tell({ type: "waiting", op: changed });
        return !verdict.stop;
      });
    }
    var refused = { state: verdict.state, error: verdict.error, errors: verdict.errors, nextAt: 0 };
    return store.change(op.op, refused).then(function (changed) {
      outbox.tell({ type: "refused", op: changed });
      return true;
    });
  }

  // A photo refused because its answer had not arrived (409) goes again once the answer has.
  function retryPhotosOf(answer) {
    return store.all().then(function (ops) {
      return Promise.all(ops.filter(function (op) {
        return op.kind === "photo" && op.state === "needs_user" && op.inspection === answer.inspection && op.item === answer.item;
      }).map(function (op) { return store.change(op.op, { state: "queued", nextAt: 0, error: "" }); }));
    });
  }

  // 1 s, 2 s, 4 s … up to 5 min, each ±20 %: phones that lost the server together do not return together.
  function backoff(attempts, random) {
    var base = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(base * (0.8 + (random === undefined ? Math.random() : random) * 0.4));
  }

  function freshToken() {
    var bar = document.querySelector("[data-outbox-bar]");
    var url = bar ? bar.dataset.tokenUrl : "/outbox/token";
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) return { signin: true };
        if (!response.ok || response.redirected) return null;
        return response.json().then(function (body) { return body && body.ok ? body : null; }, function () { return null; });
      }, function () { return null; });
  }

  // Signed out (or the session ended elsewhere) while items waited: all of them wait for the sign-in.
  function pause() {
    return store.all().then(function (ops) {
      var waiting = ops.filter(function (op) { return op.state === "queued" || op.state === "sending"; });
      return Promise.all(waiting.map(function (op) { return store.change(op.op, { state: "needs_signin" }); }));
    }).then(function () { outbox.tell({ type: "signin" }); });
  }

  function resume(ops, user) {
    var paused = ops.filter(function (op) { return op.state === "needs_signin" && String(op.user) === String(user); });
    if (!paused.length) return Promise.resolve();
    return Promise.all(paused.map(function (op) { return store.change(op.op, { state: "queued", nextAt: 0 }); }))
      .then(function () { outbox.tell({ type: "resumed" }); });
  }

  // While the page is in sight: again when the next item is due, and every 30 s whatever happens.
  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState === "hidden") return;
    store.all().then(function (ops) {
      var due = ops.filter(function (op) { return op.state === "queued"; }).map(function (op) { return op.nextAt || 0; });
      if (!due.length) return;
      timer = setTimeout(flush, Math.min(TICK_MS, Math.max(250, Math.min.apply(null, due) - Date.now())));
    });
  }

  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") clearTimeout(timer); });
  // The decisions, pure (no store, no network): table-tested from a blank page (tests/test_browser_rules.py).
  var decide = { judge: judge, answered: answered, nextDue: nextDue, waitsFor: waitsFor, backoff: backoff };
  window.patrolOutboxSender = { flush: flush, decide: decide };
})();
