// A checklist item as the phone reads it, and whether its answer is a finding (or would be refused),
// by the rules of patrol/services/answers.py from the item's data- attributes: no signal needed.
(function () {
  "use strict";
  if (window.patrolChecklistItem) return;

  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

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
    var text = raw.trim().split(",").join(".");
    if (!NUMBER.test(text)) return null;
    var value = Number(text);
    return isFinite(value) && Math.abs(value) <= 1e9 ? value : null;
  }

  // The words for a value the server would refuse; "" when it would take it.
  function problem(sec, raw) {
    var type = sec.dataset.type;
    if (!raw.trim() || (type !== "count" && type !== "number")) return "";
    var value = number(raw);
    if (value === null) return sec.dataset.msgNumber || "";
    if (type === "count" && value !== Math.floor(value)) return sec.dataset.msgWhole || "";
    if (type === "count" && (value < 0 || value > 100000)) return sec.dataset.msgRange || "";
    return "";
  }

  function isFinding(sec, raw) {
    var data = sec.dataset;
    raw = raw.trim();
    if (!raw || problem(sec, raw)) return false;
    if (data.type === "passfail") return raw === "fail";
    if (data.type === "choice") return JSON.parse(data.failing || "[]").indexOf(raw) >= 0;
    if (data.type === "rating") return Number(raw) < Number(data.threshold || 3);
    var value = number(raw);
    if (data.type === "count") return Boolean(data.expected) && value < Number(data.expected);
    if (data.type === "number") return (Boolean(data.min) && value < Number(data.min)) || (Boolean(data.max) && value > Number(data.max));
    return false;
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
    noConnection: noConnection,
    choices: choices, valueOf: valueOf, problem: problem, isFinding: isFinding, readItem: readItem, fieldsOf: fieldsOf,
    clearError: clearError, showError: showError, showState: showState, put: put, scratch: scratch,
  };
})();
