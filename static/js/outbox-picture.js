// A photo kept by the outbox, the same for a checklist's finding (outbox-photos.js) and a report
// (outbox-report.js): shrunk on the phone (window.patrolShrinkPhoto, from photo-shrink.js; the original if
// it is missing or cannot decode), its bytes as an ArrayBuffer with their SHA-256, and its thumbnail
// figure beside the camera button. outbox.js fetches this part before either of them (`need`).
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  if (!outbox || window.patrolPicture) return;
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
    return window.patrolShrinkPhoto ? window.patrolShrinkPhoto.readBytes(blob) : new Response(blob).arrayBuffer();
  }

  function sha256(bytes) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve("");
    return crypto.subtle.digest("SHA-256", bytes).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash), function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    }, function () { return ""; });
  }

  // The photo ready to keep: {shrunk, hash, kept}, kept being the IndexedDB record (more fields may be added).
  function prepare(id, file, figure) {
    return shrink(file).then(function (shrunk) {
      picture(figure, shrunk.blob);
      return bytesOf(shrunk.blob).then(function (bytes) {
        return sha256(bytes).then(function (hash) {
          var kept = { id: id, bytes: bytes, type: shrunk.type || shrunk.blob.type || "image/jpeg", width: shrunk.width,
            height: shrunk.height, sha256: hash, created: Date.now() };
          return { shrunk: shrunk, hash: hash, kept: kept };
        });
      });
    });
  }

  // The thumbnail of photo `id` in `scope` (its [data-photos] row), made before the camera button if new;
  // its × carries data-<removeKey>="<id>" for the part's own click handler.
  function figureIn(scope, id, removeKey) {
    var figure = scope.querySelector('figure[data-photo-op="' + id + '"]');
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
    var line = document.createElement("span");
    line.className = "photo-state";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.dataset[removeKey] = id;
    remove.setAttribute("aria-label", say("remove_photo"));
    remove.textContent = "×";
    figure.append(img, bar, line, remove);
    scope.querySelector("[data-photos] label.camera").insertAdjacentElement("beforebegin", figure);
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
    figure.classList.toggle("pending", kind !== "saved");
    figure.querySelector(".photo-state").textContent = text;
    figure.querySelector("progress").hidden = kind !== "sending";
  }

  // What an operation's state shows under its thumbnail.
  function showOp(figure, op) {
    if (op.state === "sending") state(figure, "sending", say("item_sending"));
    else if (outbox.stuck(op)) state(figure, "refused", op.error || say("state_needs_user"));
    else state(figure, "waiting", say("photo_waiting"));
  }

  function progress(figure, done) {
    figure.querySelector("progress").value = Math.round(done * 100);
  }

  // One at a time: a phone has memory for one full-size picture being shrunk, not several.
  function oneByOne(files, add) {
    return files.reduce(function (done, file) { return done.then(function () { return add(file); }); }, Promise.resolve());
  }

  window.patrolPicture = {
    prepare: prepare, figureIn: figureIn, picture: picture, state: state, showOp: showOp, progress: progress,
    oneByOne: oneByOne,
  };
})();
