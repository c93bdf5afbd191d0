// Photos of a finding through the outbox: each is shrunk and kept on the phone the way outbox-picture.js
// keeps a photo, and sent alone, under its own id, with a progress bar. A photo that fails is tried again
// by itself; one not sent yet can be taken back with its ×.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  var checklist = window.patrolChecklist;
  var kit = window.patrolPicture;
  if (!outbox || !checklist || !kit || window.patrolChecklistPhotos) return;
  var say = outbox.say;

  function figureFor(sec, id) {
    var figure = kit.figureIn(sec, id, "removePending");
    labelCamera(sec);
    return figure;
  }

  // "Take a photo (required)" until the item has one, here or on its way.
  function labelCamera(sec) {
    var camera = sec.querySelector("[data-photos] label.camera");
    if (!camera) return;
    var any = sec.querySelectorAll("[data-photos] figure").length > 0;
    camera.textContent = any || !camera.dataset.textRequired ? camera.dataset.text : camera.dataset.textRequired;
  }

  function add(form, sec, file) {
    var id = outbox.uuid();
    var figure = figureFor(sec, id);
    kit.state(figure, "editing", say("uploading"));
    return kit.prepare(id, file, figure).then(function (ready) {
      var item = Number(sec.dataset.item);
      var fields = checklist.base();
      if (ready.shrunk.takenAt) fields.taken_at = ready.shrunk.takenAt;
      var op = checklist.described({
        op: id, kind: "photo", photo: id, sha256: ready.hash, field: "photo-" + item, url: sec.dataset.photoUrl, fields: fields,
      }, sec);
      return outbox.enqueue(op, ready.kept);
    }).then(function () {
      kit.state(figure, "waiting", say("photo_waiting"));
      checklist.refresh();
    }, function () {
      figure.remove();
      labelCamera(sec);
    });
  }

  // Photos still on this phone, shown again when the page opens.
  function restore(form, ops) {
    ops.filter(function (op) { return op.kind === "photo"; }).forEach(function (op) {
      var sec = checklist.section(op.item);
      if (!sec || !sec.querySelector("[data-photos]")) return;
      var figure = figureFor(sec, op.op);
      kit.showOp(figure, op);
      outbox.photo(op.photo).then(function (kept) {
        if (kept) kit.picture(figure, new Blob([kept.bytes], { type: kept.type || "image/jpeg" }));
      });
    });
  }

  // Acknowledged: the photo is the server's now, and is taken off the way server photos are.
  function arrived(figure, ack) {
    var sec = figure.closest("section.item");
    figure.dataset.photo = ack.photo.id;
    kit.state(figure, "saved", "");
    var remove = figure.querySelector(".remove");
    delete remove.dataset.removePending;
    remove.setAttribute("hx-post", ack.remove_url);
    remove.setAttribute("hx-target", "#" + sec.id);
    remove.setAttribute("hx-swap", "outerHTML");
    if (window.htmx) window.htmx.process(remove);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-remove-pending]") : null;
    if (!button) return;
    var figure = button.closest("figure");
    outbox.remove(button.dataset.removePending).then(function (removed) {
      if (!removed) return;
      var sec = figure.closest("section.item");
      figure.remove();
      if (sec) labelCamera(sec);
    });
  });

  window.addEventListener("patrol-outbox", function (event) {
    var detail = event.detail || {};
    var form = checklist.form();
    if (!form || !detail.op || detail.op.kind !== "photo") return;
    var figure = form.querySelector('figure[data-photo-op="' + detail.op.op + '"]');
    if (!figure) return;
    if (detail.type === "progress") kit.progress(figure, detail.done);
    else if (detail.type === "acked") arrived(figure, detail.ack);
    else if (detail.type === "removed") { figure.remove(); }
    else kit.showOp(figure, detail.op);
  });

  function take(form, sec, files) {
    return kit.oneByOne(files, function (file) { return add(form, sec, file); });
  }

  window.patrolChecklistPhotos = { restore: restore, take: take };
})();
