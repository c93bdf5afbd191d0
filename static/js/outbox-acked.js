// What the server acknowledged of a checklist, remembered on this phone, so that a saved copy of its page
// (the service worker's, opened offline) shows the draft as it is and not as it was when the copy was made.
// One record per person, checkpoint and checklist version (phones are shared: another person's page reads
// another key), in localStorage "patrol-outbox-acked:<user>:<location>:<version>": the inspection's id and,
// by item, the answer the server took (with its sequence number) and its photos. Written here whenever
// the outbox hears an acknowledgement, whichever page sent it; forgotten once the inspection is submitted.
// outbox-scan.js puts it under what the outbox still holds when a checklist opens.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  if (!outbox || window.patrolOutboxAcked) return;

  var PREFIX = "patrol-outbox-acked:";

  function keyOf(user, location, version) { return PREFIX + [user, location, version].join(":"); }

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (error) { return null; }
  }

  function write(key, record) {
    try {
      if (record) localStorage.setItem(key, JSON.stringify(record));
      else localStorage.removeItem(key);
    } catch (error) { /* full or private: the page then shows the saved copy as it is */ }
  }

  function noteAnswer(entry, op, ack) {
    if (ack.seq !== undefined && ack.seq !== null && Number(ack.seq) !== op.seq) return;  // a later change was kept
    var id = op.item;
    entry.value = op.fields["value-" + id] || "";
    entry.note = op.fields["note-" + id] || "";
    entry.severity = op.fields["severity-" + id] || "";
    entry.seq = op.seq;
    if (!entry.value.trim()) entry.photos = [];  // a cleared answer loses its photos on the server
  }

  function notePhoto(entry, ack) {
    if (!ack.photo) return;
    var photo = { id: ack.photo.id, thumb: ack.thumb_url, remove: ack.remove_url };
    entry.photos = entry.photos.filter(function (kept) { return kept.id !== photo.id; }).concat([photo]);
  }

  function note(op, ack) {
    var key = keyOf(op.user, op.location, op.version);
    var record = read(key);
    if (op.kind === "submit") {
      if (record && record.inspection === op.inspection) write(key, null);
      return;
    }
    if (!record || record.inspection !== op.inspection) {
      record = { inspection: op.inspection, opened: (op.fields || {}).opened || "", items: {} };
    }
    if (op.kind === "count") {
      // A line of a model room's count (outbox-count.js puts these back): as the server took it.
      if (ack.seq !== undefined && ack.seq !== null && Number(ack.seq) !== op.seq) return;
      record.counts = record.counts || {};
      record.counts[String(op.item).replace("asset:", "")] = { counted: op.fields.counted, damaged: op.fields.damaged, seq: op.seq };
      write(key, record);
      return;
    }
    var entry = record.items[op.item] || { photos: [] };
    if (op.kind === "answer") noteAnswer(entry, op, ack);
    else if (op.kind === "photo") notePhoto(entry, ack);
    record.items[op.item] = entry;
    write(key, record);
  }

  // The record for the checklist on this page, unless its inspection was submitted since.
  function recordFor(form) {
    var record = read(keyOf(form.dataset.user, form.dataset.location, form.dataset.version));
    return record && outbox.doneList().indexOf(record.inspection) < 0 ? record : null;
  }

  // A photo the server has, shown as the page shows its own (scan/_finding.html).
  function showPhoto(sec, photo) {
    var box = sec.querySelector("[data-photos]");
    if (!box || box.querySelector('figure[data-photo="' + photo.id + '"]')) return;
    var figure = document.createElement("figure");
    figure.dataset.photo = photo.id;
    var img = document.createElement("img");
    img.src = photo.thumb;
    img.alt = outbox.say("photo");
    img.width = img.height = 96;
    // Offline its picture cannot load: an empty tile that says the photo is saved, not a broken image.
    img.addEventListener("error", function () {
      img.remove();
      remove.remove();  // taking it off needs the server too
      var saved = document.createElement("p");
      saved.className = "save-state saved";
      saved.textContent = outbox.say("photo") + " " + outbox.say("item_saved");
      figure.appendChild(saved);
    }, { once: true });
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.setAttribute("aria-label", outbox.say("remove_photo"));
    remove.setAttribute("hx-post", photo.remove);
    remove.setAttribute("hx-target", "#" + sec.id);
    remove.setAttribute("hx-swap", "outerHTML");
    remove.textContent = "×";
    figure.append(img, remove);
    var camera = box.querySelector("label.camera");
    box.insertBefore(figure, camera);
    if (camera) camera.textContent = camera.dataset.text;
    if (window.htmx) window.htmx.process(remove);
  }

  // Each answer the server took after this page was made (a later sequence number than the page's own),
  // put in with `put`, its photos shown; the page's sections then show them saved.
  function apply(form, put) {
    var record = recordFor(form);
    if (!record || record.inspection !== form.elements.client_id.value) return;
    Object.keys(record.items).forEach(function (id) {
      var sec = form.querySelector('section.item[data-item="' + id + '"]');
      var entry = record.items[id];
      if (!sec) return;
      if (entry.seq && entry.seq > Number(sec.dataset.seq || 0)) {
        put(sec, entry.value, entry.note, entry.severity);
        sec.dataset.seq = String(entry.seq);
      }
      (entry.photos || []).forEach(function (photo) { showPhoto(sec, photo); });
    });
  }

  // An item the server sent again (after a photo was taken off) is the truth about its photos.
  document.addEventListener("htmx:load", function (event) {
    var sec = event.detail.elt;
    var form = sec instanceof Element && sec.matches("section.item[data-item]") ? sec.closest("form[data-outbox-form]") : null;
    if (!form) return;
    var key = keyOf(form.dataset.user, form.dataset.location, form.dataset.version);
    var record = read(key);
    var entry = record && record.inspection === form.elements.client_id.value ? record.items[sec.dataset.item] : null;
    if (!entry) return;
    var shown = Array.prototype.map.call(sec.querySelectorAll("figure[data-photo]"), function (figure) { return figure.dataset.photo; });
    entry.photos = (entry.photos || []).filter(function (photo) { return shown.indexOf(String(photo.id)) >= 0; });
    write(key, record);
  });

  window.addEventListener("patrol-outbox", function (event) {
    var detail = event.detail || {};
    if (detail.type === "acked" && detail.op && detail.op.user) note(detail.op, detail.ack || {});
  });

  window.patrolOutboxAcked = { recordFor: recordFor, apply: apply };
})();
