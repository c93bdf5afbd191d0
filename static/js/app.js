// patrol's own small script: how htmx treats error responses, and upload feedback.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  // Let 4xx/5xx answers swap in: they carry plain-words messages (422 re-renders a form with errors).
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ];
});

// A failed request that never reached the server (no signal) must not pass silently.
document.addEventListener("htmx:sendError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  box.innerHTML = "";
  var div = document.createElement("div");
  div.className = "alert alert-error";
  div.setAttribute("role", "alert");
  div.textContent = document.body.dataset.offlineMessage || "No connection. Your last change was not saved; try again when you have signal.";
  box.appendChild(div);
});

// Clear an old message once a later request succeeds.
document.addEventListener("htmx:afterRequest", function (event) {
  var box = document.getElementById("messages");
  if (box && event.detail.successful && event.detail.target !== box) box.innerHTML = "";
});
