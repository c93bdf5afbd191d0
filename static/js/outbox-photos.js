// Photos of a finding through the outbox: each is shrunk on the phone (window.patrolShrinkPhoto, from
// photo-shrink.js; the original if it is missing or cannot decode), kept in IndexedDB as an ArrayBuffer
// with its SHA-256, and sent alone, under its own id, with a progress bar. A photo that fails is tried
// again by itself; one not sent yet can be taken back with its ×.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  var checklist = window.patrolChecklist;
  if (!outbox || !checklist || window.patrolChecklistPhotos) return;
  var say = outbox.say;
  var urls = {};

  function shrink(file) {
    var fallback = { blob: file, type: file.type, width: 0, height: 0, shrunk: false };
    if (!window.patrolShrinkPhoto) return Promise.resolve(fallback);
    return window.patrolShrinkPhoto(file, { maxSide: 1600, quality: 0.8 }).then(function (result) {
      return result && result.blob ? result : fallback;
    }, function () { return fallback; });
  }

  function bytesOf(blob) {
    if (blob.arrayBuffer) return blob.arrayBuffer();
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  }

  function sha256(bytes) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve("");
    return crypto.subtle.digest("SHA-256", bytes).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash), function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    }, function () { return ""; });
  }

  function figureFor(sec, id) {
    var figure = sec.querySelector('figure[data-photo-op="' + id + '"]');
    if (figure) return figure;
    figure = document.createElement("figure");
    figure.className = "pending";
    figure.dataset.photoOp = id;
    var img = document.createElement("img");
    img.alt = say("photo");
    img.width = img.height = 96;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.hidden = true;
    var state = document.createElement("span");
    state.className = "photo-state";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.dataset.removePending = id;
    remove.setAttribute("aria-label", say("remove_photo"));
    remove.textContent = "×";
    figure.append(img, bar, state, remove);
    sec.querySelector("[data-photos] label.camera").insertAdjacentElement("beforebegin", figure);
    labelCamera(sec);
    return figure;
  }

  function picture(figure, blob) {
    var id = figure.dataset.photoOp;
    if (urls[id]) URL.revokeObjectURL(urls[id]);
    urls[id] = URL.createObjectURL(blob);
    figure.querySelector("img").src = urls[id];
  }

  function state(figure, kind, text) {
    figure.dataset.state = kind;
    figure.querySelector(".photo-state").textContent = text;
    figure.querySelector("progress").hidden = kind !== "sending";
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
    state(figure, "editing", say("uploading"));
    return shrink(file).then(function (shrunk) {
      picture(figure, shrunk.blob);
      return bytesOf(shrunk.blob).then(function (bytes) {
        return sha256(bytes).then(function (hash) {
          var item = Number(sec.dataset.item);
          var fields = checklist.base();
          if (shrunk.takenAt) fields.taken_at = shrunk.takenAt;
          var op = checklist.described({
            op: id, kind: "photo", photo: id, sha256: hash, field: "photo-" + item, url: sec.dataset.photoUrl, fields: fields,
          }, sec);
          var kept = { id: id, bytes: bytes, type: shrunk.type || shrunk.blob.type || "image/jpeg", width: shrunk.width,
            height: shrunk.height, sha256: hash, created: Date.now() };
          return outbox.enqueue(op, kept);
        });
      });
    }).then(function () {
      state(figure, "waiting", say("photo_waiting"));
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
      showOp(figure, op);
      outbox.photo(op.photo).then(function (kept) {
        if (kept) picture(figure, new Blob([kept.bytes], { type: kept.type || "image/jpeg" }));
      });
    });
  }

  function showOp(figure, op) {
    if (op.state === "sending") state(figure, "sending", say("item_sending"));
    else if (op.state === "needs_user" || op.state === "conflict") state(figure, "refused", op.error || say("state_needs_user"));
    else state(figure, "waiting", say("photo_waiting"));
  }

  // Acknowledged: the photo is the server's now, and is taken off the way server photos are.
  function arrived(figure, ack) {
    var sec = figure.closest("section.item");
    figure.classList.remove("pending");
    figure.dataset.photo = ack.photo.id;
    state(figure, "saved", "");
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
    if (detail.type === "progress") figure.querySelector("progress").value = Math.round(detail.done * 100);
    else if (detail.type === "acked") arrived(figure, detail.ack);
    else if (detail.type === "removed") { figure.remove(); }
    else showOp(figure, detail.op);
  });

  // One at a time: a phone has memory for one full-size picture being shrunk, not several.
  function take(form, sec, files) {
    return files.reduce(function (done, file) { return done.then(function () { return add(form, sec, file); }); }, Promise.resolve());
  }

  window.patrolChecklistPhotos = { restore: restore, take: take };
})();
