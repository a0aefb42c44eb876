/* Self-evaluation helpers. The server is the truth: these only help.
 *
 * - Countdown: elements .countdown[data-seconds] tick down from the server's value.
 * - Evidence forms (form[data-evidence-form], sent by htmx): the upload's progress bar,
 *   and a failure the server could not answer itself (no connection, an error page, a
 *   file too large for the proxy) told in the entry's status area, so the operator
 *   knows the file was not added. The server's own outcomes come back in the panel.
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

  var evidenceText = null;
  function evidenceMessage(key) {
    if (evidenceText === null) {
      var node = document.getElementById("evidence-messages");
      evidenceText = node ? JSON.parse(node.textContent) : {};
    }
    return evidenceText[key] || key;
  }

  function evidenceForm(event) {
    var el = event.detail && event.detail.elt;
    return el && el.matches && el.matches("form[data-evidence-form]") ? el : null;
  }

  function statusOf(form) {
    var panel = form.closest(".entry-evidence");
    return panel ? panel.querySelector("[data-evidence-status]") : null;
  }

  function tell(form, css, text) {
    var area = statusOf(form);
    if (!area) return;
    area.textContent = "";
    var box = document.createElement("div");
    box.className = "alert alert-" + css + " py-1 px-2 my-2 small";
    box.setAttribute("role", css === "danger" ? "alert" : "status");
    box.textContent = text;
    area.appendChild(box);
  }

  function progressOf(form) { return form.querySelector("progress.upload-progress"); }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = evidenceForm(event);
    if (!form) return;
    var bar = progressOf(form);
    if (bar) { bar.value = 0; bar.hidden = false; }
    tell(form, "secondary", evidenceMessage(bar ? "uploading" : "linking"));
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = evidenceForm(event);
    var bar = form && progressOf(form);
    if (bar && event.detail.total) {
      bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
    }
  });

  function failed(event, key) {
    var form = evidenceForm(event);
    if (!form) return;
    var bar = progressOf(form);
    if (bar) bar.hidden = true;
    tell(form, "danger", evidenceMessage("failed") + " " + evidenceMessage(key));
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var key = status === 413 ? "too_large" : (status === 403 ? "forbidden" : "server");
    failed(event, key);
  });
  document.addEventListener("htmx:sendError", function (event) { failed(event, "network"); });
  document.addEventListener("htmx:timeout", function (event) { failed(event, "network"); });

  // The swapped panel's outcome gets the focus: the button that was pressed is gone.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || !panel.classList || !panel.classList.contains("entry-evidence")) return;
    var fresh = document.getElementById(panel.id) || panel;
    var notice = fresh.querySelector("[data-evidence-status] .alert");
    if (notice) { notice.setAttribute("tabindex", "-1"); notice.focus(); }
  });
})();
