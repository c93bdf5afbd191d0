// The list at /outbox (templates/outbox/list.html): every item of this person waiting on this phone, what
// it is, its state, since when, and the server's words when it was refused; those can be opened or
// removed there. Another person's items on a shared phone are only counted, never shown. The items are
// only on this phone, so the list is built here (F9, F10). Fetched by outbox.js when the page has the list.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  if (!outbox || window.patrolOutboxList) return;
  window.patrolOutboxList = true;
  var say = outbox.say;
  var previews = [];

  var stuck = outbox.stuck;

  // --- The list at /outbox -------------------------------------------------------------------

  function when(time) {
    var options = { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" };
    try { return new Date(time).toLocaleString(document.documentElement.lang || undefined, options); }
    catch (error) { return new Date(time).toLocaleString(); }
  }

  function what(op) {
    var label = op.label || {};
    if (op.kind === "submit") return say("kind_submit", { location: label.location || "" });
    if (op.kind === "report" || op.report) return say(op.kind === "report" ? "kind_report" : "kind_report_photo", { location: label.location || "" });
    var item = (label.item || "") + (label.location ? " · " + label.location : "");
    var kinds = { photo: "kind_photo", count: "kind_count" };
    return say(kinds[op.kind] || "kind_answer", { item: item });
  }

  function stateOf(op) {
    return say("state_" + op.state) || op.state;
  }

  function line(text, className) {
    var element = document.createElement(className === "what" ? "strong" : "span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function row(op) {
    var li = document.createElement("li");
    li.className = "outbox-item state-" + op.state;
    li.dataset.op = op.op;
    li.appendChild(line(what(op), "what"));
    li.appendChild(line(stateOf(op), "state"));
    li.appendChild(line(say("since", { time: when(op.created) }) + (op.attempts ? " · " + say(op.attempts === 1 ? "attempts_one" : "attempts_many", { num: op.attempts }) : ""), "since"));
    if (op.error) li.appendChild(line(op.error, "error"));
    var actions = document.createElement("span");
    actions.className = "actions";
    if (op.scanUrl && (stuck(op) || op.kind === "submit")) {
      var open = document.createElement("a");
      open.href = op.scanUrl;
      open.textContent = say("open");
      actions.appendChild(open);
    }
    // Only what the server refused can be taken off here: what merely waits is sent by itself.
    if (stuck(op)) {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button secondary small";
      remove.dataset.outboxRemove = op.op;
      remove.textContent = say("remove");
      actions.appendChild(remove);
    }
    li.appendChild(actions);
    if (op.kind === "photo") addPreview(li, op);
    return li;
  }

  function addPreview(li, op) {
    outbox.photo(op.photo).then(function (photo) {
      if (!photo) return;
      var url = URL.createObjectURL(new Blob([photo.bytes], { type: photo.type || "image/jpeg" }));
      previews.push(url);
      var img = document.createElement("img");
      img.src = url;
      img.alt = say("photo");
      img.width = img.height = 56;
      li.insertBefore(img, li.firstChild);
      li.classList.add("has-photo");
    });
  }

  // Someone else's items: how many, and that they leave when that person signs in here. Nothing more.
  function othersRow(whose) {
    var li = document.createElement("li");
    li.className = "outbox-item outbox-others";
    li.dataset.outboxOthers = String(whose.others);
    li.appendChild(line(say(whose.me ? "others_listed" : "phone_listed", { num: whose.others }), "what"));
    return li;
  }

  function showList(all) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) return;
    previews.forEach(function (url) { URL.revokeObjectURL(url); });
    previews = [];
    list.querySelectorAll(".outbox-item").forEach(function (li) { li.remove(); });
    var empty = list.querySelector("[data-outbox-empty]");
    var whose = outbox.whoseOps(all);
    whose.mine.forEach(function (op) { list.insertBefore(row(op), empty); });  // the first item is the list's first child
    if (whose.others) list.insertBefore(othersRow(whose), empty);
    empty.hidden = all.length > 0;
  }

  function showStorage() {
    var line = document.querySelector("[data-outbox-storage]");
    if (!line || !navigator.storage || !navigator.storage.persisted) return;
    navigator.storage.persisted().then(function (kept) { line.textContent = say(kept ? "kept" : "not_kept"); });
  }

  var pending = false;
  function refresh() {
    if (pending || !document.querySelector("[data-outbox-list]")) return;
    pending = true;
    setTimeout(function () {
      pending = false;
      outbox.all().then(showList);
    }, 50);
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var remove = target.closest("[data-outbox-remove]");
    if (remove && window.confirm(say("remove_ask"))) outbox.remove(remove.dataset.outboxRemove).then(refresh);
    if (target.closest("[data-outbox-send]")) outbox.flush(true);
  });

  window.addEventListener("patrol-outbox", function (event) {
    if (!event.detail || event.detail.type !== "progress") refresh();
  });
  document.addEventListener("htmx:afterSettle", function () { refresh(); showStorage(); });
  refresh();
  showStorage();
})();
