/* Self-evaluation helpers. The server is the truth: these only help.
 *
 * - Countdown: elements .countdown[data-seconds] tick down from the server's value.
 * - Unsaved text: a form .answer-form is "dirty" from the first input until htmx reports
 *   a successful save (or the form is submitted); leaving the page with a dirty form asks
 *   the browser to warn.
 */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function startCountdowns() {
    var nodes = document.querySelectorAll(".countdown[data-seconds]");
    if (!nodes.length) return;
    var started = Date.now();
    nodes.forEach(function (el) { el.dataset.start = el.dataset.seconds; });
    window.setInterval(function () {
      var elapsed = Math.floor((Date.now() - started) / 1000);
      nodes.forEach(function (el) {
        var left = parseInt(el.dataset.start, 10) - elapsed;
        if (isNaN(left)) return;
        if (left <= 0) { el.textContent = el.dataset.closedText || "0"; return; }
        var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
        var m = Math.floor(left % 3600 / 60), s = left % 60;
        el.textContent = d + " d " + pad(h) + ":" + pad(m) + ":" + pad(s);
      });
    }, 1000);
  }

  var dirty = new Set();

  document.addEventListener("input", function (event) {
    var form = event.target.closest("form.answer-form");
    if (form) {
      dirty.add(form);
      var status = form.querySelector(".save-status");
      if (status && status.dataset.pendingText) status.textContent = status.dataset.pendingText;
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.answer-form");
    if (form) dirty.delete(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form.answer-form");
    if (!form || !event.detail.successful) return;
    // Saved only when the server says so (a conflict or an error keeps the warning).
    var status = form.querySelector(".save-status");
    if (status && status.querySelector(".save-ok")) dirty.delete(form);
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty.size === 0) return undefined;
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  document.addEventListener("DOMContentLoaded", startCountdowns);
})();
