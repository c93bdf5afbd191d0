// Submitting the checklist through the outbox: the submit, with every answer on the page, is kept on
// the phone first and sent after the item's own answers and photos. Without signal the page says the
// inspection will be sent by itself when there is signal (and the answers stay locked unless the
// person takes the submit back). Acknowledged, the page opens the inspection; refused (422), the
// answers it carried are in the draft already, and the page shows what needs attention, scrolled to
// and focused on the first such item.
(function () {
  "use strict";
  var outbox = window.patrolOutbox;
  var checklist = window.patrolChecklist;
  if (!outbox || !checklist || window.patrolChecklistSubmit) return;
  var say = outbox.say;

  function submitOf(form, ops) {
    var client = form.elements.client_id.value;
    return ops.filter(function (op) { return op.kind === "submit" && op.inspection === client; })[0] || null;
  }

  function lock(form, locked) {
    form.classList.toggle("is-queued", locked);
    form.querySelectorAll("input:not([type=hidden]), textarea, button[type=submit]").forEach(function (control) {
      control.disabled = locked;
    });
  }

  function status(form, text, refused) {
    var line = form.querySelector("[data-submit-status]");
    line.textContent = text || "";
    line.hidden = !text;
    line.classList.toggle("refused", Boolean(refused));
  }

  // The submit's state, whichever tab sends it.
  function show(form, ops) {
    var op = submitOf(form, ops);
    var cancel = form.querySelector("[data-cancel-submit]");
    // A refused submit stays in the outbox, listed, until the person submits again (which replaces it)
    // or removes it at /outbox: the inspection is still a draft, so nothing may say "all sent".
    var waiting = op && (op.state === "queued" || op.state === "needs_signin");
    lock(form, Boolean(op) && op.state !== "needs_user" && op.state !== "conflict");
    cancel.hidden = !waiting;
    if (!op) status(form, "");
    else if (op.state === "sending") status(form, say("submit_sending"));
    else if (waiting) status(form, say(op.state === "needs_signin" ? "signin" : "submit_waiting"));
    else status(form, op.error || say("state_needs_user"), true);
  }

  function fields(form) {
    var all = checklist.base();
    checklist.sections().forEach(function (sec) {
      var state = checklist.readItem(sec);
      var given = checklist.fieldsOf(sec, state);
      // Like the form itself: an item answered by tapping and left untouched sends nothing.
      if (!state.value && sec.querySelector('input[type="radio"][name="value-' + sec.dataset.item + '"]')) return;
      Object.assign(all, given);
    });
    return all;
  }

  // The server's checks of a submit (services/submission.py), made on the phone by each item's rule: what
  // it would refuse is refused here, in its words, and nothing is kept to be sent (it would only be
  // refused hours later). A photo counts once it is on the server or on its way (not one it refused).
  function refusal(form) {
    var reading = window.patrolChecklistItem;
    var said = reading.words();
    var errors = {};
    checklist.sections().forEach(function (sec) {
      var photos = sec.querySelectorAll("[data-photos] figure:not([data-state=refused])").length;
      var message = reading.missing(reading.ruleOf(sec.dataset), reading.valueOf(sec), photos, said);
      if (message) errors[sec.dataset.item] = message;
    });
    var count = Object.keys(errors).length;
    return count ? { errors: errors, error: (said.attention || [])[count - 1] || "" } : null;
  }

  function submit(form) {
    var refused = refusal(form);
    if (refused) {
      checklist.saveTyped();  // what was just typed is kept as an answer, as it would be without the tap
      showErrors(form, refused);
      return;
    }
    checklist.stopTyping();
    checklist.sections().forEach(checklist.clearError);
    form.querySelector("[data-checklist-alert]").textContent = "";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    // A count line tapped a moment ago still waits out its pause: it goes into the outbox before the
    // submit, which is sent only after everything queued before it.
    var counts = window.patrolCount ? window.patrolCount.saveWaiting() : Promise.resolve();
    counts.then(function () {
      var op = checklist.described({ kind: "submit", url: form.dataset.submitUrl, fields: fields(form) }, null);
      return outbox.enqueue(op);
    }).then(function () {
      outbox.all().then(function (ops) { show(form, ops); });
    }, function () { button.disabled = false; });
  }

  // The first item that needs attention, in view and focused, its alert beside it.
  function showErrors(form, op) {
    var first = null;
    lock(form, false);
    form.querySelector("[data-cancel-submit]").hidden = true;
    status(form, "");
    checklist.sections().forEach(function (sec) {
      var message = op.errors[sec.dataset.item];
      checklist.showError(sec, message || "");
      if (message && !first) first = sec;
    });
    var box = form.querySelector("[data-checklist-alert]");
    box.textContent = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = op.error;
    box.appendChild(alert);
    if (!first) return;
    first.scrollIntoView({ block: "center" });
    var control = first.querySelector("input:not([type=hidden]):not([disabled]), textarea:not([disabled])");
    if (control) control.focus({ preventScroll: true });
  }

  function start(form, ops) {
    var op = submitOf(form, ops);
    if (op && op.state === "needs_user" && op.errors) showErrors(form, op);
    show(form, ops);
  }

  document.addEventListener("click", function (event) {
    var form = checklist.form();
    if (!form || !(event.target instanceof Element) || !event.target.closest("[data-cancel-submit]")) return;
    outbox.all().then(function (ops) {
      var op = submitOf(form, ops);
      return op ? outbox.remove(op.op) : null;
    }).then(function () { checklist.refresh(); });
  });

  window.addEventListener("patrol-outbox", function (event) {
    var form = checklist.form();
    var detail = event.detail || {};
    if (!form || !detail.op || detail.op.kind !== "submit" || detail.op.inspection !== form.elements.client_id.value) return;
    if (detail.type === "acked" && detail.ack.url) {
      checklist.forgetAllScratch(detail.op.inspection);
      window.location.assign(detail.ack.url);
    }
    if (detail.type === "refused" && detail.op.errors) showErrors(form, detail.op);
  });

  window.patrolChecklistSubmit = { start: start, show: show, submit: submit };
})();
