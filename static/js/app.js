// patrol's own small script: how htmx treats error responses, upload feedback, and the few behaviours
// pages declare with data- attributes. The Content-Security-Policy allows no inline script or handler,
// so they live here, delegated on document: they keep working on content htmx swaps in.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  // Let 4xx/5xx answers swap in: they carry plain-words messages (422 re-renders a form with errors).
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ];
});

// A failed request that never reached the server (no signal) must not pass silently, and must say only
// what is true: a change that was not kept (a POST) says so; a page that could not open says that; the
// header's own background requests (the bell, data-background) say nothing, as nothing was asked.
// Marked as a connection message: outbox.js takes it away once the signal is back (the online event, or
// any later request that gets through), so it never outlives what it says.
document.addEventListener("htmx:sendError", function (event) {
  var box = document.getElementById("messages");
  var detail = event.detail || {};
  var verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
  if (!box || (detail.elt instanceof Element && detail.elt.closest("[data-background]"))) return;
  var said = document.body.dataset;
  box.innerHTML = "";
  var div = document.createElement("div");
  div.className = "alert alert-error";
  div.setAttribute("data-connection", "");
  div.setAttribute("role", "alert");
  div.textContent = (verb === "get" ? said.offlineOpenMessage : said.offlineMessage) || "";
  box.appendChild(div);
});

// Clear an old message once a later request succeeds.
document.addEventListener("htmx:afterRequest", function (event) {
  var box = document.getElementById("messages");
  if (box && event.detail.successful && event.detail.target !== box) box.innerHTML = "";
});

// <form data-confirm="Question?">: sent only once the person agrees. Listened for while the event
// travels down (capture), so a "no" stops it before htmx, whose submit handler sits on the form itself
// (a boosted form or one with hx-post).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// <form data-phone-time>: stamps when it was sent on the phone's clock (its acted_at and sent_at fields),
// in the capture phase like data-confirm, so before htmx reads the form: a model room's handover keeps
// the time it was done, and the server checks the phone's clock against its own (visit_times.py).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-phone-time")) return;
  var now = String(Date.now());
  ["acted_at", "sent_at"].forEach(function (name) {
    if (form.elements[name]) form.elements[name].value = now;
  });
}, true);

// <button data-print>: prints the page (the label sheet).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});

// <select data-toggles-types>: shows only the boxes of its form whose data-types list the chosen value.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-toggles-types") || !select.form) return;
  select.form.querySelectorAll("[data-types]").forEach(function (box) {
    box.hidden = box.dataset.types.split(" ").indexOf(select.value) < 0;
  });
});

// <input data-enter-stays>: Enter in a search box inside a bigger form searches; it does not submit the form.
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && !event.isComposing && event.target instanceof Element
      && event.target.closest("[data-enter-stays]")) {
    event.preventDefault();
  }
});

// <div data-keeps-checked-in-view> (the task board's row of state chips, wider than a phone): the
// chosen chip is scrolled into sight when the page opens, also when it is not one of the first few.
function showCheckedChips(root) {
  root.querySelectorAll("[data-keeps-checked-in-view]").forEach(function (row) {
    var checked = row.querySelector("input:checked + label");
    if (!checked) return;
    var offset = checked.getBoundingClientRect().left - row.getBoundingClientRect().left;
    row.scrollLeft += offset - (row.clientWidth - checked.offsetWidth) / 2;
  });
}
document.addEventListener("DOMContentLoaded", function () { showCheckedChips(document); });
document.addEventListener("htmx:load", function (event) {
  if (event.detail.elt instanceof Element) showCheckedChips(event.detail.elt);
});
