// The checklist on the outbox (docs/outbox.md): each change kept on the phone first, "saved" only on
// the server's acknowledgement; what still waits put back when the page opens again.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  if (!outbox || !window.patrolChecklistItem || window.patrolChecklist) return;
  // What the server acknowledged (outbox-acked.js): not bundled, as a scan page opened with signal needs
  // it only once it sends (outbox.js fetches it then); a saved copy fetches it before it starts.
  var NO_RECORD = { recordFor: function () { return null; }, apply: function () {} };
  function acked() { return window.patrolOutboxAcked || NO_RECORD; }

  var TYPING_MS = 600;
  var say = outbox.say;
  var form = null;
  var timers = {};
  var typing = {};
  var sent = {};

  function sections() { return Array.prototype.slice.call(form.querySelectorAll("section.item[data-item]")); }
  function section(id) { return form.querySelector('section.item[data-item="' + id + '"]'); }
  function inspection() { return form.elements.client_id.value; }
  function same(a, b) { return String(a) === String(b); }

  var reading = window.patrolChecklistItem;
  var valueOf = reading.valueOf;
  var problem = reading.problem;
  var isFinding = reading.isFinding;
  var readItem = reading.readItem;
  var fieldsOf = reading.fieldsOf;
  var choices = reading.choices;
  var clearError = reading.clearError;
  var showError = reading.showError;
  var showState = reading.showState;
  var scratch = reading.scratch;
  var noConnection = reading.noConnection;

  // A model room's count also names the register version its sheet shows: the draft is pinned to it.
  function base() {
    var fields = { client_id: inspection(), opened: form.elements.opened.value, scanned_at: form.elements.scanned_at.value };
    if (form.elements.register_version) fields.register_version = form.elements.register_version.value;
    return fields;
  }

  // The scan time is the phone's, when it opened this page (a saved copy too: not when the copy was
  // made); a tab left open and shown again before any answer was given was opened then.
  var answering = false;
  function openedNow(again) {
    var field = form && form.elements.scanned_at;
    if (field && (!field.value || (again && !answering))) field.value = String(Date.now());
  }

  // What the outbox list shows, whose it is, where it belongs.
  function described(op, sec) {
    op.inspection = inspection();
    op.user = form.dataset.user;
    op.location = form.dataset.location;
    op.version = form.dataset.version;
    op.scanUrl = form.dataset.scanUrl;
    op.label = { location: form.dataset.locationName };
    if (sec) {
      op.item = Number(sec.dataset.item);
      op.label.item = sec.querySelector(".prompt").firstChild.textContent.trim();
      op.minSeq = Number(sec.dataset.seq || 0);
    }
    return op;
  }

  function showFinding(sec) {
    var finding = isFinding(sec, valueOf(sec));
    sec.classList.toggle("finding", finding);
    var detail = sec.querySelector("[data-finding-detail]");
    if (detail) detail.hidden = !finding;
    if (finding && detail) photosPart().catch(function () { /* fetched again when a photo is taken */ });
  }

  // Saved only when none of the item's answer still waits (each photo shows its own state).
  function showStates(ops) {
    if (!form) return;
    var mine = ops.filter(function (op) { return op.inspection === inspection() && op.kind === "answer"; });
    sections().forEach(function (sec) {
      var id = Number(sec.dataset.item);
      if (typing[id]) { showState(sec, "editing", ""); return; }
      var its = mine.filter(function (op) { return op.item === id; });
      var refused = its.filter(function (op) { return op.state === "needs_user" || op.state === "conflict"; })[0];
      if (refused) showState(sec, "refused", refused.error || say("state_needs_user"));
      else if (its.some(function (op) { return op.state === "sending"; })) showState(sec, "sending", say("item_sending"));
      else if (its.length) showState(sec, "waiting", say("item_waiting"));
      else if (valueOf(sec).trim()) showState(sec, "saved", say("item_saved"));
      else showState(sec, "", "");
    });
    if (window.patrolChecklistSubmit) window.patrolChecklistSubmit.show(form, ops);
  }

  var refreshing = false;
  function refresh() {
    if (refreshing || !form) return;
    refreshing = true;
    setTimeout(function () {
      refreshing = false;
      outbox.all().then(showStates);
    }, 30);
  }

  // A synchronous copy of what is typed: a reload just after the last key still finds it.
  function readScratch() { return scratch.read(form); }
  function writeScratch(sec) { scratch.write(form, sec); }
  function forgetScratch(id, before) { scratch.forget(form, id, before); }
  function forgetAllScratch(client) { scratch.forgetAll(form, client); }

  // Quiet: while typing, an unfinished number says nothing yet.
  function save(sec, quiet) {
    var id = Number(sec.dataset.item);
    clearTimeout(timers[id]);
    delete timers[id];
    var readAt = Date.now();
    var state = readItem(sec);
    var wrong = problem(sec, state.value);
    if (!quiet || !wrong) showError(sec, wrong);
    if (wrong) return Promise.resolve();
    var fields = Object.assign(base(), fieldsOf(sec, state));
    var key = JSON.stringify(fields);
    if (sent[id] === key) { delete typing[id]; forgetScratch(id, readAt); refresh(); return Promise.resolve(); }
    sent[id] = key;
    var op = described({ kind: "answer", url: sec.dataset.answerUrl, fields: fields }, sec);
    return outbox.enqueue(op).then(function () {
      if (sent[id] === key) delete typing[id];
      forgetScratch(id, readAt);
      refresh();
    });
  }

  function saveTyped() {
    Object.keys(timers).forEach(function (id) { save(section(id), true); });
  }

  function put(sec, value, note, severity) {
    reading.put(sec, value, note, severity);
    showFinding(sec);
  }

  function putOp(op) {
    var sec = section(op.item);
    if (!sec) return;
    var fields = op.fields;
    put(sec, fields["value-" + op.item] || "", fields["note-" + op.item], fields["severity-" + op.item]);
  }

  // Work still on this phone goes on under its own inspection id, though the server (which never got
  // it) gave out a new one; a saved copy of a page already submitted starts anew.
  function adopt(ops, scratch) {
    var here = ops.filter(function (op) {
      return same(op.location, form.dataset.location) && same(op.version, form.dataset.version) && same(op.user, form.dataset.user);
    });
    var submitted = {};
    // A submit the server refused leaves its inspection a draft, to be opened and submitted again.
    here.forEach(function (op) { if (op.kind === "submit" && !outbox.stuck(op)) submitted[op.inspection] = true; });
    outbox.doneList().forEach(function (id) { submitted[id] = true; });
    var open = here.filter(function (op) { return !submitted[op.inspection]; }).sort(function (a, b) { return b.created - a.created; });
    var candidate = open.length ? { inspection: open[0].inspection, opened: open[0].fields.opened, scanned: open[0].fields.scanned_at } : null;
    if (scratch && !submitted[scratch.inspection] && (!candidate || scratch.inspection !== candidate.inspection)) {
      var newest = Math.max.apply(null, Object.keys(scratch.items).map(function (id) { return scratch.items[id].at; }));
      if (!candidate || newest > open[0].created) candidate = scratch;
    }
    // A saved copy (offline) carries the id of its day; what the server has acknowledged since goes on.
    var taken = acked().recordFor(form);
    if (!candidate && taken && !submitted[taken.inspection] && document.documentElement.hasAttribute("data-patrol-saved-at")) {
      candidate = taken;
    }
    if (candidate && candidate.inspection !== inspection()) {
      form.elements.client_id.value = candidate.inspection;
      if (candidate.opened) form.elements.opened.value = candidate.opened;
      if (candidate.scanned) form.elements.scanned_at.value = candidate.scanned;
      answering = true;
    } else if (!candidate && submitted[inspection()] && !here.some(function (op) { return op.inspection === inspection(); })) {
      form.elements.client_id.value = outbox.uuid();
    }
  }

  function restore(ops, only) {
    var mine = ops.filter(function (op) { return op.inspection === inspection() && (!only || op.item === only); });
    mine.filter(function (op) { return op.kind === "answer"; }).sort(function (a, b) { return a.seq - b.seq; }).forEach(putOp);
    mine.filter(function (op) { return op.kind === "answer" && op.state === "needs_user"; }).forEach(function (op) {
      if (section(op.item)) showError(section(op.item), op.error);
    });
    if (window.patrolChecklistPhotos) window.patrolChecklistPhotos.restore(form, mine);
  }

  // Answers given before this script ran (fetched after the page): controls off their default.
  function touched() {
    return sections().filter(function (sec) {
      return Array.prototype.some.call(sec.querySelectorAll("input:not([type=file]):not([type=hidden]), textarea"), function (control) {
        return control.type === "radio" ? control.checked !== control.defaultChecked : control.value !== control.defaultValue;
      });
    }).map(function (sec) { return { sec: sec, state: readItem(sec) }; });
  }

  // The submit and photo parts, fetched when first needed, once per checklist.
  var parts = {};
  function part(name, then) {
    if (!parts[name]) {
      parts[name] = outbox.need(name).then(outbox.all).then(function (ops) { if (form) then(ops); }, function (error) {
        delete parts[name];
        throw error;
      });
    }
    return parts[name];
  }

  function photosPart() {
    return part("photos", function (ops) {
      window.patrolChecklistPhotos.restore(form, ops.filter(function (op) { return op.inspection === inspection(); }));
    });
  }

  function submitPart() {
    return part("submit", function (ops) { window.patrolChecklistSubmit.start(form, ops); });
  }

  function start() {
    var found = document.querySelector("form[data-outbox-form]");
    if (!found || found.dataset.outboxStarted) return;
    found.dataset.outboxStarted = "1";
    if (form) saveTyped();  // the checklist this page came from, under its own id
    form = found;
    timers = {};
    typing = {};
    parts = {};
    answering = false;
    openedNow(false);
    var early = touched();
    // Only a saved copy (offline) shows less than the server has: only it waits for the acknowledged record.
    var savedCopy = document.documentElement.hasAttribute("data-patrol-saved-at");
    (savedCopy ? outbox.need("acked").catch(function () { /* nothing acknowledged kept here */ }) : Promise.resolve())
      .then(outbox.all).then(function (ops) {
      var scratch = readScratch();
      adopt(ops, scratch);
      acked().apply(form, put);
      restore(ops);
      sections().forEach(function (sec) { showFinding(sec); sent[sec.dataset.item] = JSON.stringify(Object.assign(base(), fieldsOf(sec, readItem(sec)))); });
      if (scratch && scratch.inspection === inspection()) {
        Object.keys(scratch.items).forEach(function (id) {
          var sec = section(id);
          var kept = scratch.items[id];
          if (sec) { put(sec, kept.value, kept.note, kept.severity); save(sec, true); }
        });
      }
      early.forEach(function (given) {
        put(given.sec, given.state.value, given.state.note, given.state.severity);
        save(given.sec, true);
      });
      var mine = ops.filter(function (op) { return op.inspection === inspection(); });
      var quietly = function () { /* fetched again when needed */ };
      if (mine.some(function (op) { return op.kind === "photo"; })) photosPart().catch(quietly);
      if (mine.some(function (op) { return op.kind === "submit"; })) submitPart().catch(quietly);
      showStates(ops);
      // Ready once the page shows what the phone holds and answers under the inspection it goes on with.
      found.dataset.outboxReady = "1";
      found.dispatchEvent(new CustomEvent("patrol-checklist-ready", { bubbles: true }));
    });
    outbox.durable().then(function (durable) {
      if (durable || form.querySelector("[data-no-storage]")) return;
      var notice = document.createElement("p");
      notice.className = "notice";
      notice.dataset.noStorage = "";
      notice.textContent = say("no_storage");
      form.querySelector(".checklist-head").appendChild(notice);
    });
  }

  function itemOf(event) {
    var target = event.target;
    if (!form || !(target instanceof Element) || target.matches("[data-photo-input]") || !form.contains(target)) return null;
    return target.closest("section.item[data-item]");
  }

  function changed(sec) {
    var id = Number(sec.dataset.item);
    answering = true;
    submitPart().catch(function () { /* fetched again when the form is sent */ });
    typing[id] = true;
    writeScratch(sec);
    clearError(sec);
    showFinding(sec);
  }

  document.addEventListener("input", function (event) {
    var sec = itemOf(event);
    if (!sec || event.target.type === "radio") return;
    changed(sec);
    refresh();
    var id = Number(sec.dataset.item);
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { save(sec, true); }, TYPING_MS);
  });

  document.addEventListener("change", function (event) {
    var sec = itemOf(event);
    if (!sec) return;
    changed(sec);
    save(sec, false);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!form || !(input instanceof HTMLInputElement) || !input.matches("[data-photo-input]") || !form.contains(input)) return;
    var sec = input.closest("section.item[data-item]");
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    outbox.need("photos").then(function () { window.patrolChecklistPhotos.take(form, sec, files); }, noConnection);
  });

  // Before htmx (the form is boosted): the outbox sends it.
  document.addEventListener("submit", function (event) {
    if (!form || event.target !== form) return;
    event.preventDefault();
    event.stopPropagation();
    outbox.need("submit").then(function () { window.patrolChecklistSubmit.submit(form); }, noConnection);
  }, true);

  document.addEventListener("focusout", function (event) {
    var sec = itemOf(event);
    if (sec && timers[sec.dataset.item]) save(sec, false);
  });

  window.addEventListener("pagehide", function () { if (form) saveTyped(); });
  document.addEventListener("visibilitychange", function () {
    if (form && document.visibilityState === "hidden") saveTyped();
    else if (form) openedNow(true);
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) openedNow(true); });

  window.addEventListener("patrol-outbox", function (event) {
    if (event.detail && event.detail.type !== "progress") refresh();
  });

  // A boosted page brings a new form; an item swapped in by htmx gets back what still waits for it.
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (!(element instanceof Element)) return;
    if (form && element.matches("section.item[data-item]") && form.contains(element)) {
      var id = Number(element.dataset.item);
      outbox.all().then(function (ops) { restore(ops, id); showFinding(element); showStates(ops); });
    } else if (element.querySelector && (element.matches("form[data-outbox-form]") || element.querySelector("form[data-outbox-form]"))) {
      start();
    }
  });
  start();

  window.patrolChecklist = {
    form: function () { return form; },
    described: described, base: base, readItem: readItem, fieldsOf: fieldsOf, sections: sections, section: section,
    showError: showError, clearError: clearError, refresh: refresh, saveTyped: saveTyped, forgetAllScratch: forgetAllScratch,
    stopTyping: function () {
      Object.keys(timers).forEach(function (id) { clearTimeout(timers[id]); });
      timers = {};
      typing = {};
    },
  };
})();
