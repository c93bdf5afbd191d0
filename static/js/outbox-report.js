// 随手拍 through the outbox (templates/reports/form.html; fetched by outbox.js when the page has the form).
// Each photo is shrunk, kept in IndexedDB with the report's client id and sent at once on its own; the
// report, when sent, is an operation of its own that lists its photos and goes after them (outbox-send.js
// orders it like a checklist's submit). A photo's bytes stay on the phone until the report that lists it
// is acknowledged: a refused report keeps its thumbnails, and a form left half done (or refused while
// the person was elsewhere) is opened again where it was. Without signal the page says the report is
// kept on the phone and will be sent by itself.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  var kit = window.patrolPicture;
  if (!outbox || !kit || window.patrolReport) return;
  var say = outbox.say;
  var FIELDS = ["note", "severity", "category", "location", "place", "site"];
  var form = null;
  var words = {};

  function word(key) { return words[key] || ""; }
  function client() { return form.elements.client_id.value; }
  function me() { return form.dataset.user; }
  function ours(op) { return Boolean(form) && String(op.user) === me() && op.inspection === client(); }

  // --- A photo's bytes and thumbnail: outbox-picture.js, as a finding's ------------------------

  // The photos this person kept for a report, oldest first.
  function keptPhotos() {
    return outbox.transact(["photos"], function (tx) {
      tx.all("photos", function (all) {
        tx.done(all.filter(function (photo) { return photo.report && String(photo.user) === me(); })
          .sort(function (a, b) { return a.created - b.created; }));
      });
    });
  }

  function forgetPhoto(id) {
    return outbox.transact(["photos"], function (tx) { tx.del("photos", id); });
  }

  function figureFor(id) { return kit.figureIn(form, id, "reportRemove"); }

  // A photo with no operation left was acknowledged: it is on the server, waiting for the report.
  function showPhoto(figure, op) {
    if (op) kit.showOp(figure, op);
    else kit.state(figure, "saved", "");
  }

  function where() {
    var picked = form.querySelector('input[name="location"]:checked');
    var label = picked && picked.value ? form.querySelector('label[for="' + picked.id + '"]') : null;
    var place = form.elements.place ? form.elements.place.value.trim() : "";
    return (label ? label.firstChild.textContent.trim() : place) || word("no_place");
  }

  function add(file) {
    var id = outbox.uuid();
    var figure = figureFor(id);
    kit.state(figure, "editing", say("uploading"));
    return kit.prepare(id, file, figure).then(function (ready) {
      var op = {
        op: id, kind: "photo", report: true, keepPhoto: true, photo: id, sha256: ready.hash, field: "photo",
        url: form.dataset.photoUrl, fields: { report: client() }, inspection: client(), user: me(),
        scanUrl: form.dataset.pageUrl, label: { location: where() },
      };
      return outbox.enqueue(op, Object.assign(ready.kept, { report: client(), user: me() }));
    }).then(function () { kit.state(figure, "waiting", say("photo_waiting")); }, function () { figure.remove(); });
  }

  function take(files) { return kit.oneByOne(files, add); }

  // --- The report ------------------------------------------------------------------------------

  function fieldsOf() {
    var data = new FormData(form);
    var fields = { client_id: client() };
    FIELDS.forEach(function (name) { if (data.has(name)) fields[name] = data.get(name); });
    return fields;
  }

  function putFields(fields) {
    FIELDS.forEach(function (name) {
      var value = fields[name] === undefined ? "" : String(fields[name]);
      form.querySelectorAll('[name="' + name + '"]').forEach(function (control) {
        if (control.type === "radio") control.checked = control.value === value;
        else control.value = value;
      });
    });
  }

  function photoIds() {
    return Array.prototype.map.call(form.querySelectorAll('[data-photos] figure[data-photo-op]:not([data-state="refused"])'), function (figure) {
      return figure.dataset.photoOp;
    });
  }

  function lock(locked) {
    form.classList.toggle("is-queued", locked);
    form.querySelectorAll("input:not([type=hidden]), textarea, select, button").forEach(function (control) {
      control.disabled = locked;
    });
  }

  function status(text) {
    var line = form.querySelector("[data-report-status]");
    line.textContent = text || "";
    line.hidden = !text;
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    form.querySelectorAll(".has-error").forEach(function (field) { field.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (control) { control.removeAttribute("aria-invalid"); });
    form.querySelector("[data-report-alert]").textContent = "";
  }

  // The server's words, by field, beside the field; the first such field in view.
  function showErrors(op) {
    clearErrors();
    lock(false);
    status("");
    var first = null;
    Object.keys(op.errors || {}).forEach(function (name) {
      var control = form.querySelector("#f-" + name);
      var slot = form.querySelector('[data-errors-for="' + name + '"]') || (control && control.closest(".field"));
      if (!slot) return;
      var error = document.createElement("small");
      error.className = "field-error";
      error.id = "e-" + name;
      error.textContent = op.errors[name];
      slot.classList.add("has-error");
      slot.appendChild(error);
      if (control) control.setAttribute("aria-invalid", "true");
      first = first || slot;
    });
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = op.errors ? word("check") : op.error || say("state_needs_user");
    form.querySelector("[data-report-alert]").appendChild(alert);
    (first || alert).scrollIntoView({ block: "center" });
  }

  function showReport(op) {
    if (!op) { lock(false); status(""); return; }
    if (outbox.stuck(op)) { showErrors(op); return; }
    lock(true);
    status(op.state === "sending" ? word("sending") : op.state === "needs_signin" ? say("signin") : word("waiting"));
  }

  // --- The server's rules and words (form.html data-rules), checked before the report is kept --------

  function length(text) { return Array.from(text).length; }  // characters, as the server counts them

  // What the server would refuse, by field, in its words; null when nothing (reports.py read_report).
  function problems() {
    var rules;
    try { rules = JSON.parse(form.dataset.rules || ""); } catch (error) { return null; }
    var said = rules.words;
    var data = new FormData(form);
    var note = String(data.get("note") || "").trim();
    var place = String(data.get("place") || "").split(/\s+/).filter(Boolean).join(" ");
    var severity = String(data.get("severity") || "");
    var category = String(data.get("category") || "");
    var photos = photoIds().length;
    var errors = {};
    if (severity && rules.severities.indexOf(severity) < 0) errors.severity = said.option;
    if (category && rules.categories.indexOf(category) < 0) errors.category = said.option;
    if (length(note) > rules.note_max) errors.note = said.note;
    if (length(place) > rules.place_max) errors.place = said.place;
    if (photos > rules.photos_max) errors.photos = said.photos;
    else if (!note && !photos) errors.photos = said.what;
    if (!data.get("location")) {
      if (!place) errors.where = said.where;
      else if (form.elements.site && !data.get("site")) errors.site = said.site;
    }
    return Object.keys(errors).length ? errors : null;
  }

  function send() {
    clearErrors();
    var errors = problems();
    if (errors) { showErrors({ errors: errors }); return Promise.resolve(null); }  // nothing kept to be refused later
    var ids = photoIds();
    var fields = Object.assign(fieldsOf(), { photo_ops: ids.join(",") });
    var op = {
      kind: "report", url: form.dataset.sendUrl, fields: fields, photos: ids, inspection: client(), user: me(),
      scanUrl: form.dataset.pageUrl, label: { location: where() },
    };
    lock(true);
    return relabel(op.label).then(function () { return outbox.enqueue(op); }).then(showReport, function () { lock(false); });
  }

  // The photos, taken before the place was given, are listed at /outbox under the report's place.
  function relabel(label) {
    return outbox.transact(["ops"], function (tx) {
      tx.all("ops", function (ops) {
        ops.filter(function (op) { return op.kind === "photo" && ours(op); }).forEach(function (op) {
          op.label = label;
          tx.put("ops", op);
        });
      });
    });
  }

  // --- Opening the form: what this person left on the phone comes back --------------------------

  // A report of theirs not on its way (photos only, or refused): its id is taken again, with its fields.
  function adopt(ops, photos) {
    var mine = ops.filter(function (op) { return op.kind === "report" && String(op.user) === me(); });
    var onItsWay = {};
    mine.forEach(function (op) { if (!outbox.stuck(op)) onItsWay[op.inspection] = true; });
    var open = photos.map(function (photo) { return photo.report; })
      .concat(mine.filter(outbox.stuck).map(function (op) { return op.inspection; }))
      .filter(function (id) { return !onItsWay[id]; });
    var id = open.length ? open[open.length - 1] : null;
    // A form of its own otherwise: a saved copy of this page, opened twice offline, is two reports.
    if (!id) { form.elements.client_id.value = outbox.uuid(); return; }
    form.elements.client_id.value = id;
    var refused = mine.filter(function (op) { return op.inspection === id; })[0];
    if (refused) putFields(refused.fields);
  }

  function restore(ops, photos) {
    photos.filter(function (photo) { return photo.report === client(); }).forEach(function (photo) {
      var figure = figureFor(photo.id);
      kit.picture(figure, new Blob([photo.bytes], { type: photo.type || "image/jpeg" }));
      showPhoto(figure, ops.filter(function (op) { return op.op === photo.id; })[0]);
    });
    showReport(ops.filter(function (op) { return op.kind === "report" && ours(op); })[0] || null);
  }

  // --- A saved copy of the form (templates/pwa/sw.js opens it offline for any link to /report) --------

  // The copy was made for no place, maybe with a place proposed then: the place its link names is
  // picked now, named from the checkpoints this phone prepared when the copy's chips do not have it.
  function placeFromLink() {
    if (!document.documentElement.hasAttribute("data-patrol-saved-at")) return Promise.resolve();
    var proposed = form.querySelector(".proposed");
    if (proposed) {
      proposed.remove();
      form.querySelectorAll('input[name="location"]').forEach(function (chip) { chip.checked = false; });
    }
    var id = new URLSearchParams(window.location.search).get("location") || "";
    if (!/^[0-9]+$/.test(id)) return Promise.resolve();
    var chip = form.querySelector('input[name="location"][value="' + id + '"]');
    if (chip) { chip.checked = true; return Promise.resolve(); }
    return (window.patrolPrepared ? window.patrolPrepared() : Promise.resolve([])).then(function (checkpoints) {
      var found = checkpoints.filter(function (checkpoint) { return String(checkpoint.id) === id; })[0];
      if (found) addChip(found.id, found.name, found.site).checked = true;
    });
  }

  function addChip(value, name, site) {
    var chips = form.querySelector(".where .chips");
    if (!chips) {
      chips = document.createElement("div");
      chips.className = "chips";
      form.querySelector(".where legend").insertAdjacentElement("afterend", chips);
      addChip("", word("somewhere_else"), "");
      form.querySelector('label[for="f-place"]').textContent = word("or_place");  // as the server words it
    }
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "location";
    input.value = String(value);
    input.id = "f-location-" + (value || "none");
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = name;
    if (site && form.elements.site) {
      var small = document.createElement("small");
      small.textContent = site;
      label.appendChild(small);
    }
    if (value) chips.prepend(input, label);
    else chips.append(input, label);
    return input;
  }

  function start() {
    var found = document.querySelector("form[data-report-form]");
    if (!found || found.dataset.outboxReady) return;
    found.dataset.outboxReady = "1";
    form = found;
    try { words = JSON.parse(form.dataset.words || "{}"); } catch (error) { words = {}; }
    var input = form.querySelector("[data-report-photo-input]");
    var early = Array.prototype.slice.call(input.files || []);  // taken before this script ran
    input.value = "";
    placeFromLink().then(function () { return Promise.all([outbox.all(), keptPhotos()]); }).then(function (kept) {
      adopt(kept[0], kept[1]);
      restore(kept[0], kept[1]);
      take(early);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!form || !(input instanceof HTMLInputElement) || !input.matches("[data-report-photo-input]")) return;
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    take(files);
  });

  // Before htmx (the form is boosted): the outbox sends it.
  document.addEventListener("submit", function (event) {
    if (!form || event.target !== form) return;
    event.preventDefault();
    event.stopPropagation();
    send();
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-report-remove]") : null;
    if (!button || !form) return;
    var id = button.dataset.reportRemove;
    outbox.all().then(function (ops) {
      var op = ops.filter(function (one) { return one.op === id; })[0];
      if (op && op.state === "sending") return null;  // its outcome is unknown: it stays
      return (op ? outbox.remove(id) : forgetPhoto(id)).then(function () { button.closest("figure").remove(); });
    });
  });

  window.addEventListener("patrol-outbox", function (event) {
    var detail = event.detail || {};
    if (!form || !document.body.contains(form) || !detail.op || !ours(detail.op)) return;
    if (detail.op.kind === "report") {
      if (detail.type === "acked" && detail.ack.url) window.location.assign(detail.ack.url);
      else if (detail.type !== "removed") showReport(detail.op);
      return;
    }
    var figure = form.querySelector('figure[data-photo-op="' + detail.op.op + '"]');
    if (!figure) return;
    if (detail.type === "progress") kit.progress(figure, detail.done);
    else if (detail.type === "acked") showPhoto(figure, null);
    else if (detail.type !== "removed") showPhoto(figure, detail.op);
  });

  document.addEventListener("htmx:afterSettle", start);
  window.patrolReport = { start: start };
  start();
})();
