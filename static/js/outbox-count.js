// A model room's count sheet (templates/scan/_count_sheet.html) on the outbox (docs/outbox.md). Each
// line's change is kept on the phone first as an operation of kind "count" (its item "asset:<id>"), and
// is "saved" only on the server's acknowledgement; a newer change to a line replaces one not yet sent.
// "All present" is one operation per line, not one for the zone: each line keeps its own sequence number
// (a later tap on one line wins over the zone's tap on the server too), a refused line holds up no other,
// and the /outbox list and an offline reload name and put back each line as it is.
// A number far above what the line expects is asked about first ("Really 12?"); in a blind count the phone
// does not know, so the server refuses it (error "confirm") and the line asks then.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  var checklist = window.patrolChecklist;
  if (!outbox || !checklist || window.patrolCount) return;

  var STEP_MS = 400;  // taps on a stepper in a row are one change
  var TYPING_MS = 600;
  var form = null;
  var sheet = null;
  var words = {};
  var timers = {};
  var sent = {};
  var invalid = {};

  function say(key, values) {
    var text = words[key] || outbox.say(key) || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  function lines(within) { return Array.prototype.slice.call((within || sheet).querySelectorAll("li[data-line]")); }
  function lineOf(asset) { return sheet.querySelector('li[data-line="' + asset + '"]'); }
  function assetOf(op) { return String(op.item).replace("asset:", ""); }
  function inspection() { return form.elements.client_id.value; }
  function counted(li) { return li.querySelector("[data-counted]"); }
  function damaged(li) { return li.querySelector("[data-damaged]"); }
  function expectedOf(li) { return li.dataset.expected === undefined ? null : Number(li.dataset.expected); }
  function farAbove(value, expected) { return value > expected * 2 && value > expected + 5; }

  // The server's reading (patrol/modelrooms/counting.py): blank, a whole number, or why not.
  function read(raw) {
    var text = (raw.normalize ? raw.normalize("NFKC") : raw).split("\u2212").join("-").trim();
    if (!text) return { value: null };
    if (/^-\s*\d+$/.test(text)) return { error: say("below_zero") };
    if (!/^\d{1,6}$/.test(text) || Number(text) > 100000) return { error: say("whole") };
    return { value: Number(text) };
  }

  // --- What a line shows -----------------------------------------------------------------------

  function showLine(li) {
    var value = read(counted(li).value).value;
    var expected = expectedOf(li);
    var last = li.dataset.last === undefined || li.dataset.last === "" ? null : Number(li.dataset.last);
    var known = value !== null && value !== undefined;
    li.classList.toggle("is-counted", known);
    li.classList.toggle("is-short", known && expected !== null && value < expected);
    var note = li.querySelector("[data-last-note]");
    if (note && last !== null) {
      var differs = known && value !== last;
      note.hidden = !(last !== expected || differs);
      note.classList.toggle("differs", differs);
    }
    var zone = li.closest("[data-zone]");
    var all = lines(zone);
    var done = all.filter(function (line) { return counted(line).value.trim() !== ""; }).length;
    zone.querySelector("[data-zone-progress]").textContent = say("progress", { done: done, total: all.length });
  }

  function showState(li, state, text) {
    if (state) li.dataset.save = state;
    else delete li.dataset.save;
    var line = li.querySelector("[data-line-state]");
    line.className = "line-state" + (state ? " " + state : "");
    line.textContent = text || "";
  }

  function states(ops) {
    if (!sheet) return;
    var mine = ops.filter(function (op) { return op.kind === "count" && op.inspection === inspection(); });
    lines().forEach(function (li) {
      var asset = li.dataset.line;
      if (timers[asset]) { showState(li, "editing", ""); return; }
      if (invalid[asset]) { showState(li, "refused", invalid[asset]); return; }
      var its = mine.filter(function (op) { return assetOf(op) === asset; });
      var refused = its.filter(outbox.stuck)[0];
      if (refused && refused.errors && refused.errors.confirm) ask(li, refused.fields.counted, refused);
      else if (li.querySelector("[data-count-confirm]")) showState(li, "asking", "");
      else if (refused) showState(li, "refused", refused.error || say("state_needs_user"));
      else if (its.some(function (op) { return op.state === "sending"; })) showState(li, "sending", say("item_sending"));
      else if (its.length) showState(li, "waiting", say("item_waiting"));
      else if (counted(li).value.trim()) showState(li, "saved", say("item_saved"));
      else showState(li, "", "");
    });
  }

  var refreshing = false;
  function refresh() {
    if (refreshing || !sheet) return;
    refreshing = true;
    setTimeout(function () { refreshing = false; outbox.all().then(states); }, 30);
  }

  // "Really 12?" under the line: yes sends it confirmed; "change it" takes it back to be corrected.
  function ask(li, value, refused) {
    var box = li.querySelector("[data-count-confirm]");
    if (box && box.dataset.value === String(value)) return;
    if (box) box.remove();
    box = document.createElement("div");
    box.className = "count-confirm";
    box.setAttribute("role", "alert");
    box.dataset.countConfirm = "";
    box.dataset.value = String(value);
    var text = document.createElement("p");
    text.textContent = say("confirm", { num: value });
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button primary";
    yes.dataset.confirmYes = "";
    yes.textContent = say("yes", { num: value });
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button secondary";
    no.dataset.confirmNo = refused ? refused.op : "";
    no.textContent = say("no");
    box.append(text, yes, no);
    li.appendChild(box);
    showState(li, "asking", "");
  }

  // --- Keeping a line's change -------------------------------------------------------------------

  function fieldsOf(li, confirmed) {
    var count = read(counted(li).value);
    var broken = read(damaged(li).value);
    if (count.error || broken.error) return { error: count.error || broken.error };
    if (count.value !== null && broken.value !== null && broken.value > count.value) return { error: say("damaged_above") };
    var fields = Object.assign(checklist.base(), {
      counted: count.value === null ? "" : String(count.value),
      damaged: broken.value ? String(broken.value) : "0",
    });
    if (confirmed) fields.confirmed = "1";
    return { fields: fields, value: count.value };
  }

  function save(li, confirmed) {
    var asset = li.dataset.line;
    clearTimeout(timers[asset]);
    delete timers[asset];
    delete invalid[asset];
    var box = li.querySelector("[data-count-confirm]");
    if (box) box.remove();
    var given = fieldsOf(li, confirmed);
    if (given.error) { invalid[asset] = given.error; refresh(); return Promise.resolve(); }
    var expected = expectedOf(li);
    if (!confirmed && given.value !== null && expected !== null && farAbove(given.value, expected)) {
      ask(li, given.value, null);
      return Promise.resolve();
    }
    var key = JSON.stringify([given.fields.client_id, given.fields.counted, given.fields.damaged, confirmed]);
    if (sent[asset] === key) { refresh(); return Promise.resolve(); }
    sent[asset] = key;
    var op = checklist.described({ kind: "count", url: sheet.dataset.countUrl + asset, fields: given.fields }, null);
    op.item = "asset:" + asset;
    op.label.item = li.dataset.name;
    op.minSeq = Number(li.dataset.seq || 0);
    return outbox.enqueue(op).then(refresh, function () { delete sent[asset]; refresh(); });
  }

  function changed(li, wait) {
    var asset = li.dataset.line;
    delete invalid[asset];
    showLine(li);
    clearTimeout(timers[asset]);
    timers[asset] = setTimeout(function () { save(li, false); }, wait);
    refresh();
  }

  // The lines whose change still waits out its pause, saved now; resolves once each is in the outbox.
  function saveWaiting() {
    return Promise.all(Object.keys(timers).map(function (asset) {
      var li = lineOf(asset);
      return li ? save(li, false) : null;
    }));
  }

  function locked() { return form.classList.contains("is-queued"); }

  function step(li, by) {
    var input = counted(li);
    var now = read(input.value).value;
    var next = Math.max(0, (now === null || now === undefined ? (by > 0 ? 0 : 1) : now) + by);
    input.value = String(next);
    changed(li, STEP_MS);
  }

  // Every line of the zone not counted yet, at its expected number: one tap, one operation per line.
  function allPresent(zone) {
    lines(zone).forEach(function (li) {
      if (counted(li).value.trim() !== "" || expectedOf(li) === null) return;
      counted(li).value = String(expectedOf(li));
      showLine(li);
      save(li, false);
    });
  }

  // --- Putting back what waits, when the page opens ---------------------------------------------

  function put(li, fields) {
    counted(li).value = fields.counted || "";
    damaged(li).value = fields.damaged && fields.damaged !== "0" ? fields.damaged : "";
    if (damaged(li).value) damaged(li).closest("[data-damaged-row]").hidden = false;
    showLine(li);
  }

  // What the server has of each line (the page's own values, then what it acknowledged since).
  function restore(ops) {
    lines().forEach(function (li) { li.dataset.acked = counted(li).defaultValue; });
    var record = window.patrolOutboxAcked ? window.patrolOutboxAcked.recordFor(form) : null;
    var counts = record && record.inspection === inspection() ? record.counts || {} : {};
    Object.keys(counts).forEach(function (asset) {
      var li = lineOf(asset);
      if (li && counts[asset].seq > Number(li.dataset.seq || 0)) {
        put(li, counts[asset]);
        li.dataset.seq = String(counts[asset].seq);
        li.dataset.acked = counts[asset].counted;
      }
    });
    ops.filter(function (op) { return op.kind === "count" && op.inspection === inspection(); })
      .sort(function (a, b) { return a.seq - b.seq; })
      .forEach(function (op) { var li = lineOf(assetOf(op)); if (li) put(li, op.fields); });
  }

  function start() {
    var found = document.querySelector("form[data-outbox-form]");
    var foundSheet = found ? found.querySelector("[data-count-sheet]") : null;
    if (!foundSheet || !found.dataset.outboxReady || foundSheet.dataset.countReady) return;
    if (sheet) saveWaiting();
    form = found;
    sheet = foundSheet;
    timers = {};
    sent = {};
    invalid = {};
    try { words = JSON.parse(sheet.dataset.words || "{}"); } catch (error) { words = {}; }
    outbox.all().then(function (ops) {
      restore(ops);
      lines().forEach(function (li) {
        showLine(li);
        var given = fieldsOf(li, false);
        if (given.fields) sent[li.dataset.line] = JSON.stringify([given.fields.client_id, given.fields.counted, given.fields.damaged, false]);
      });
      states(ops);
      sheet.dataset.countReady = "1";
    });
  }

  function lineOfEvent(event) {
    var target = event.target instanceof Element ? event.target : null;
    return target && sheet && sheet.contains(target) ? target.closest("li[data-line]") : null;
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target || !sheet || !sheet.contains(target) || locked()) return;
    var li = target.closest("li[data-line]");
    if (target.closest("[data-step]") && li) step(li, Number(target.closest("[data-step]").dataset.step));
    else if (target.closest("[data-all-present]")) allPresent(target.closest("[data-zone]"));
    else if (target.closest("[data-damaged-toggle]") && li) {
      var row = li.querySelector("[data-damaged-row]");
      row.hidden = !row.hidden;
      target.closest("[data-damaged-toggle]").setAttribute("aria-expanded", String(!row.hidden));
      if (!row.hidden) damaged(li).focus();
    } else if (target.closest("[data-confirm-yes]") && li) save(li, true);
    else if (target.closest("[data-confirm-no]") && li) {
      var stuck = target.closest("[data-confirm-no]").dataset.confirmNo;
      target.closest("[data-count-confirm]").remove();
      delete sent[li.dataset.line];
      counted(li).value = li.dataset.acked || "";  // back to what the server has, to be counted again
      showLine(li);
      (stuck ? outbox.remove(stuck) : Promise.resolve()).then(refresh);
      counted(li).focus();
      counted(li).select();
    }
  });

  document.addEventListener("input", function (event) {
    var li = lineOfEvent(event);
    if (li) changed(li, TYPING_MS);
  });

  document.addEventListener("change", function (event) {
    var li = lineOfEvent(event);
    if (li) { showLine(li); save(li, false); }
  });

  window.addEventListener("pagehide", function () { if (sheet) saveWaiting(); });
  document.addEventListener("visibilitychange", function () { if (sheet && document.visibilityState === "hidden") saveWaiting(); });

  window.addEventListener("patrol-outbox", function (event) {
    var detail = event.detail || {};
    if (detail.type === "progress" || !sheet) return;
    var op = detail.op;
    if (detail.type === "acked" && op && op.kind === "count" && op.inspection === inspection()) {
      var li = lineOf(assetOf(op));
      if (li && Number(detail.ack.seq) === op.seq) {
        li.dataset.seq = String(op.seq);
        li.dataset.acked = op.fields.counted;
      }
    }
    refresh();
  });

  // outbox-scan.js has settled which inspection the page goes on with: the sheet starts under it.
  document.addEventListener("patrol-checklist-ready", start);
  start();

  window.patrolCount = { start: start, refresh: refresh, saveWaiting: saveWaiting };
})();
