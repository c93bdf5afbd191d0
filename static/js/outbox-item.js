// A checklist item as the phone reads it, and whether its answer is a finding (or would be refused),
// by the rules of patrol/inspections/answers.py from the item's data- attributes: no signal needed.
(function () {
  "use strict";
  if (window.patrolChecklistItem) return;

  // The same grammar as _number in patrol/inspections/answers.py (tests/test_browser_rules.py holds them
  // to it): full-width digits and signs and U+2212 are a keyboard's; 1_000, 1e3 and 1,000 are refused.
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
  var GROUPED = /^[+-]?\d{1,3}(,\d{3})+$/;
  var MAX_TEXT = 2000;
  var TAPPED = ["passfail", "choice", "rating"];

  function choices(sec) { return Array.prototype.slice.call(sec.querySelectorAll('input[name="value-' + sec.dataset.item + '"]')); }

  function valueOf(sec) {
    var radios = choices(sec).filter(function (input) { return input.type === "radio"; });
    if (radios.length) {
      var checked = radios.filter(function (input) { return input.checked; })[0];
      return checked ? checked.value : "";
    }
    var box = sec.querySelector("#value-" + sec.dataset.item);
    return box ? box.value : "";
  }

  function number(raw) {
    var text = (raw.normalize ? raw.normalize("NFKC") : raw).split("\u2212").join("-").trim();
    if (GROUPED.test(text) || text.split(",").length > 2 || !NUMBER.test(text.replace(",", "."))) return null;
    var value = Number(text.replace(",", ".")) + 0;
    return isFinite(value) && Math.abs(value) <= 1e9 ? value : null;
  }

  function list(json) { try { return JSON.parse(json || "[]"); } catch (error) { return []; } }

  // An item's rule, as the server wrote it into its section (item_rule in patrol/inspections/answers.py).
  function ruleOf(data) {
    var bound = function (text) { return text === undefined || text === "" ? null : Number(text); };
    return {
      type: data.type, required: data.required !== undefined, photoRequired: data.photoRequired !== undefined,
      threshold: Number(data.threshold || 3), expected: bound(data.expected), min: bound(data.min), max: bound(data.max),
      choices: list(data.choices), failing: list(data.failing),
    };
  }

  // The server's words (the form's data-rule-words), by their key in MESSAGES.
  function words() {
    var form = document.querySelector("form[data-rule-words]");
    try { return JSON.parse(form ? form.dataset.ruleWords : "{}"); } catch (error) { return {}; }
  }

  // evaluate() of answers.py: {error} when the server would refuse the answer, else {value, finding}.
  function judge(rule, raw, said) {
    var say = function (key) { return { error: (said || words())[key] || key }; };
    var text = raw.trim();
    if (rule.type === "passfail" || rule.type === "choice") {
      return rule.choices.indexOf(text) < 0 ? say(rule.type) : { value: text, finding: rule.failing.indexOf(text) >= 0 };
    }
    if (rule.type === "text") return Array.from(text).length > MAX_TEXT ? say("text") : { value: text, finding: false };
    var value = number(text);
    if (value === null) return say("number");
    if ((rule.type === "rating" || rule.type === "count") && value !== Math.floor(value)) return say("whole");
    if (rule.type === "rating") return value < 1 || value > 5 ? say("rating") : { value: value, finding: value < rule.threshold };
    if (rule.type === "count") {
      return value < 0 || value > 100000 ? say("count") : { value: value, finding: rule.expected !== null && value < rule.expected };
    }
    return { value: value, finding: (rule.min !== null && value < rule.min) || (rule.max !== null && value > rule.max) };
  }

  // _missing of services/submission.py: what a submit still needs of an item, "" when nothing.
  function missing(rule, raw, photos, said) {
    said = said || words();
    if (!raw.trim()) return rule.required ? said[TAPPED.indexOf(rule.type) >= 0 ? "needed_tap" : "needed"] || "" : "";
    var judged = judge(rule, raw, said);
    if (judged.error) return judged.error;
    return judged.finding && rule.photoRequired && !photos ? said.photo || "" : "";
  }

  // The words for a value the server would refuse; "" when it would take it (or it is blank).
  function problem(sec, raw) {
    return raw.trim() ? judge(ruleOf(sec.dataset), raw).error || "" : "";
  }

  function isFinding(sec, raw) {
    return Boolean(raw.trim()) && Boolean(judge(ruleOf(sec.dataset), raw).finding);
  }

  function readItem(sec) {
    var id = sec.dataset.item;
    var value = valueOf(sec);
    var note = sec.querySelector("#note-" + id);
    var severity = sec.querySelector('input[name="severity-' + id + '"]:checked');
    return { value: value, finding: isFinding(sec, value), note: note ? note.value : "", severity: severity ? severity.value : "" };
  }

  // What goes to the server: like the form's fields; a note and severity only with a finding.
  function fieldsOf(sec, state) {
    var id = sec.dataset.item;
    var fields = {};
    fields["value-" + id] = state.value;
    if (state.finding) {
      fields["note-" + id] = state.note;
      if (state.severity) fields["severity-" + id] = state.severity;
    }
    return fields;
  }

  function clearError(sec) {
    sec.classList.remove("has-error");
    sec.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
  }

  function showError(sec, message) {
    clearError(sec);
    if (!message) return;
    var error = document.createElement("p");
    error.className = "field-error";
    error.setAttribute("role", "alert");
    error.textContent = message;
    sec.classList.add("has-error");
    sec.querySelector(".answer").insertAdjacentElement("afterend", error);
  }

  function showState(sec, state, text) {
    if (state) sec.dataset.save = state;
    else delete sec.dataset.save;
    var line = sec.querySelector("[data-save-state]");
    line.className = "save-state" + (state ? " " + state : "");
    line.textContent = text;
  }

  function put(sec, value, note, severity) {
    var id = sec.dataset.item;
    var radios = choices(sec).filter(function (input) { return input.type === "radio"; });
    if (radios.length) radios.forEach(function (input) { input.checked = input.value === value; });
    else if (sec.querySelector("#value-" + id)) sec.querySelector("#value-" + id).value = value;
    var noteBox = sec.querySelector("#note-" + id);
    if (noteBox && note !== undefined && (note || !noteBox.value)) noteBox.value = note;
    sec.querySelectorAll('input[name="severity-' + id + '"]').forEach(function (input) {
      if (severity) input.checked = input.value === severity;
    });
  }

  // What is typed, copied synchronously (localStorage) until the outbox has it.
  var SCRATCH = "patrol-outbox-scratch:";
  var scratch = {
    key: function (form) { return SCRATCH + [form.dataset.user, form.dataset.location, form.dataset.version].join(":"); },
    read: function (form) {
      try { return JSON.parse(localStorage.getItem(scratch.key(form)) || "null"); } catch (error) { return null; }
    },
    store: function (form, kept) {
      try {
        if (kept && Object.keys(kept.items).length) localStorage.setItem(scratch.key(form), JSON.stringify(kept));
        else localStorage.removeItem(scratch.key(form));
      } catch (error) { /* full or private: the outbox still keeps it */ }
    },
    write: function (form, sec) {
      var client = form.elements.client_id.value;
      var kept = scratch.read(form);
      if (!kept || kept.inspection !== client) kept = { inspection: client, opened: form.elements.opened.value, items: {} };
      var state = readItem(sec);
      kept.items[sec.dataset.item] = { value: state.value, note: state.note, severity: state.severity, at: Date.now() };
      scratch.store(form, kept);
    },
    forget: function (form, id, before) {
      var kept = scratch.read(form);
      if (!kept || kept.inspection !== form.elements.client_id.value || !kept.items[id] || kept.items[id].at > before) return;
      delete kept.items[id];
      scratch.store(form, kept);
    },
    forgetAll: function (form, client) {
      var kept = scratch.read(form);
      if (kept && kept.inspection === client) scratch.store(form, null);
    },
  };

  // No signal to fetch a part of the outbox: said as app.js says it.
  function noConnection() {
    var box = document.getElementById("messages");
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.setAttribute("data-connection", "");
    alert.textContent = document.body.dataset.offlineMessage || "";
    box.textContent = "";
    box.appendChild(alert);
  }

  window.patrolChecklistItem = {
    noConnection: noConnection, ruleOf: ruleOf, judge: judge, missing: missing, words: words,
    choices: choices, valueOf: valueOf, problem: problem, isFinding: isFinding, readItem: readItem, fieldsOf: fieldsOf,
    clearError: clearError, showError: showError, showState: showState, put: put, scratch: scratch,
  };
})();
