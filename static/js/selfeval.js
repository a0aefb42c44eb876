/* Self-evaluation helpers. The server is the truth: these only help.
 *
 * - Countdown: elements .countdown[data-seconds] tick down from the server's value.
 * The answer forms' autosave (and its warning on leaving) is static/js/autosave.js.
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
        // The server's translated format ("{days} hari {hms}"), so the text never
        // switches language or shape when the first tick replaces it.
        var format = el.dataset.format || "{days} d {hms}";
        el.textContent = format.replace("{days}", d).replace("{hms}", pad(h) + ":" + pad(m) + ":" + pad(s));
      });
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", startCountdowns);
})();
