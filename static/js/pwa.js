// The installable app in the page: registers the service worker (templates/pwa/sw.js), asks it to keep
// this person's checkpoints for an offline round, says when a page is a saved copy and explains the
// offline page (the Scan button's camera is static/js/pwa-scan.js). Everything here is optional:
// without a service worker (WeChat on iOS) the app works online as before, and says what to do instead.
(function () {
  "use strict";

  var PREPARE_EVERY_MS = 20 * 60 * 1000;
  var root = document.documentElement;
  var hasWorker = "serviceWorker" in navigator;
  var workerReady = false; // an active worker answers page loads, this page's own or not

  function meta(name) {
    return document.querySelector('meta[name="' + name + '"]');
  }

  // A question to the active worker, answered on a port of its own.
  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, 120000);
      channel.port1.onmessage = function (event) { clearTimeout(timer); resolve(event.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function savedCopy() {
    return root.hasAttribute("data-patrol-saved-at");
  }

  // --- The service worker ---------------------------------------------------------------------

  function register() {
    var script = meta("patrol-sw");
    if (!hasWorker || !script) return;
    // updateViaCache "none": the browser asks the server for sw.js on every check, never its HTTP cache.
    navigator.serviceWorker.register(script.content, { scope: "/", updateViaCache: "none" }).catch(function () {
      /* no worker (private mode, an old WebView): pages still work online */
    });
    navigator.serviceWorker.ready.then(function () { workerReady = true; });
    // A worker took over: the first one, or a new version that removed the old caches. The round is
    // kept again, under its version.
    navigator.serviceWorker.addEventListener("controllerchange", prepare);
    if (savedCopy() || document.querySelector("[data-offline-page]")) return;
    if (meta("patrol-prepare")) prepare();
    else forget();
  }

  // The checkpoints of this person's round go on the phone while there is signal. The worker skips the
  // work when its copy of the list is younger than PREPARE_EVERY_MS; a new version starts with none.
  function prepare() {
    var plan = meta("patrol-prepare");
    if (!plan || savedCopy() || savingData()) return;
    var key = plan.dataset.who + "|" + root.lang; // another person or language: prepared again at once
    navigator.serviceWorker.ready.then(function (registration) {
      return ask(registration.active, { type: "patrol-prepare", maxAge: PREPARE_EVERY_MS, key: key });
    }).then(function (result) {
      if (result && result.ok) root.dataset.patrolPrepared = String(result.saved);
    });
  }

  // The person asked their browser to save data (Data Saver, Lite mode): no pages are fetched ahead.
  function savingData() { return Boolean(navigator.connection && navigator.connection.saveData); }

  // Signed out (a page served by the server to no one): the last person's pages leave the phone, and
  // so do htmx's copies of them (base.html keeps none, but an older version of the app may have).
  function forget() {
    var worker = navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ type: "patrol-forget" });
    try { localStorage.removeItem("htmx-history-cache"); } catch (error) { /* storage off: nothing kept */ }
  }

  // --- Saved copies and the offline page ------------------------------------------------------

  function shortTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    var options = { hour: "2-digit", minute: "2-digit" };
    if (when.toDateString() !== new Date().toDateString()) { options.month = "numeric"; options.day = "numeric"; }
    try { return when.toLocaleString(root.lang || undefined, options); } catch (error) { return when.toLocaleString(); }
  }

  function showSavedNote() {
    var note = meta("patrol-saved-note");
    var main = document.getElementById("main");
    if (!savedCopy() || !note || !main || document.querySelector("[data-offline-page]")) return;
    var box = document.createElement("p");
    box.className = "alert saved-copy";
    box.setAttribute("role", "status");
    box.textContent = note.content.replace("{time}", shortTime(root.dataset.patrolSavedAt));
    main.insertBefore(box, main.firstChild);
  }

  function showOfflinePage() {
    var page = document.querySelector("[data-offline-page]");
    if (!page) return;
    var path = window.location.pathname;
    if (path !== page.dataset.offlinePage) {
      // The sign-in page, offline: the person has just signed out without signal (templates/pwa/sw.js).
      var which = path === page.dataset.offlineLogin ? "[data-offline-signed-out]"
        : path.indexOf("/c/") === 0 ? "[data-offline-not-prepared]" : "[data-offline-not-saved]";
      var reason = page.querySelector(which);
      if (reason) reason.hidden = false;
    }
    listPrepared();
  }

  // The checkpoints whose pages this phone holds for the person it is with: the worker knows whom (the
  // offline page itself is nobody's, see base.html).
  function preparedCheckpoints() {
    if (!hasWorker) return Promise.resolve([]);
    return navigator.serviceWorker.ready.then(function (registration) {
      return ask(registration.active, { type: "patrol-prepared" });
    }).then(function (answer) {
      return (answer && answer.checkpoints) || [];
    }).catch(function () { return []; });
  }

  window.patrolPrepared = preparedCheckpoints;  // a saved report form names its place from them

  function listPrepared() {
    var list = document.querySelector("[data-prepared-list]");
    var none = document.querySelector("[data-prepared-none]");
    if (!list) return;
    preparedCheckpoints().then(function (checkpoints) {
      checkpoints.forEach(function (checkpoint) {
        var link = document.createElement("a");
        link.className = "task-row";
        link.href = checkpoint.url;
        var title = document.createElement("span");
        title.className = "title";
        title.textContent = checkpoint.name;
        var sub = document.createElement("span");
        sub.className = "sub";
        sub.textContent = checkpoint.site + " · " + checkpoint.code;
        link.appendChild(title);
        link.appendChild(sub);
        var item = document.createElement("li");
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = checkpoints.length === 0;
      if (none) none.hidden = checkpoints.length > 0;
    });
  }

  // A boosted link (htmx) that found no network: load the whole page, which the worker answers from its
  // copy or with the offline page. A code typed while offline opens its checkpoint if this phone holds it.
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    if (!workerReady) return;
    var path = detail.pathInfo && (detail.pathInfo.finalRequestPath || detail.pathInfo.requestPath);
    if (config.verb === "get" && detail.boosted && path) {
      window.location.assign(path);
      return;
    }
    var form = detail.elt instanceof Element ? detail.elt.closest("form") : null;
    var code = form && config.verb === "post" ? form.querySelector("input[name=code]") : null;
    if (code) openByCode(code.value);
  });

  function openByCode(typed) {
    var wanted = typed.trim().toUpperCase().replace(/[\s-]/g, "");
    preparedCheckpoints().then(function (checkpoints) {
      var match = checkpoints.filter(function (checkpoint) { return checkpoint.code === wanted; })[0];
      if (match) window.location.assign(match.url);
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-reload]")) window.location.reload();
  });

  // WeChat on iOS has no service worker: nothing can open without signal there.
  function hintWeChat() {
    var hint = document.querySelector("[data-wechat-hint]");
    var main = document.getElementById("main");
    if (!hint || hasWorker || !/MicroMessenger/i.test(navigator.userAgent)) return;
    hint.hidden = false;
    if (main) main.insertBefore(hint, main.firstChild);
  }

  // The Scan button's camera (static/js/pwa-scan.js), fetched only by a page that has the button.
  function loadScanner() {
    var scanner = document.querySelector("[data-scan-script]");
    if (!scanner || document.querySelector("script[data-patrol-scan]")) return;
    var script = document.createElement("script");
    script.src = scanner.dataset.scanScript;
    script.setAttribute("data-patrol-scan", "");
    document.head.appendChild(script);
  }

  function start() {
    register();
    showSavedNote();
    showOfflinePage();
    hintWeChat();
    loadScanner();
  }

  document.addEventListener("htmx:load", function () { // the home page reached by a boosted link
    hintWeChat();
    loadScanner();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
