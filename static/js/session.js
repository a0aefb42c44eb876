/* Session limits in the browser (the server decides: spbe_portal/sessions.py).
 *
 * - Warns SESSION_IDLE_WARNING seconds before the idle timeout, with "Stay signed in".
 * - At the timeout, or when a background request answers 401 (session over), what the
 *   user typed in the page's forms is kept in this tab's sessionStorage and the page is
 *   loaded again: the server sends the user to the sign-in page and back here after.
 * - Back on the page signed in, the kept values are put back into their fields and the
 *   fields' input/change events fire, so the autosave forms save them at once.
 */
(function () {
  "use strict";

  var box = document.getElementById("session-timeout");
  if (!box) return; // not signed in: nothing to time, and drafts wait for the sign-in
  var KEY = "spbe-drafts:" + window.location.pathname;
  var idle = Number(box.dataset.idle) * 1000;
  var warning = Number(box.dataset.warning) * 1000;
  var warnTimer = null;
  var endTimer = null;

  function fieldKey(form, el) {
    return (form.getAttribute("action") || "") + "|" + el.name;
  }

  function editable(el) {
    if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") return false;
    var type = (el.type || "").toLowerCase();
    return ["hidden", "password", "file", "submit", "button", "reset"].indexOf(type) === -1;
  }

  function changed(el) {
    var type = (el.type || "").toLowerCase();
    if (type === "radio" || type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) {
        return o.selected !== o.defaultSelected;
      });
    }
    return el.value !== el.defaultValue;
  }

  function keepDrafts() {
    var drafts = {};
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!editable(el) || !changed(el)) return;
        var type = (el.type || "").toLowerCase();
        if ((type === "radio" || type === "checkbox") && !el.checked) return;
        drafts[fieldKey(form, el)] = el.value;
      });
    });
    if (Object.keys(drafts).length) {
      window.sessionStorage.setItem(KEY, JSON.stringify(drafts));
    }
  }

  function restoreDrafts() {
    var raw = window.sessionStorage.getItem(KEY);
    if (!raw) return;
    window.sessionStorage.removeItem(KEY);
    var drafts = JSON.parse(raw);
    var restored = 0;
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        var key = fieldKey(form, el);
        if (!editable(el) || !(key in drafts)) return;
        var type = (el.type || "").toLowerCase();
        if (type === "radio" || type === "checkbox") {
          if (el.value !== drafts[key]) return;
          el.checked = true;
        } else {
          el.value = drafts[key];
        }
        restored += 1;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    if (restored) {
      var note = document.createElement("div");
      note.className = "alert alert-info session-restored";
      note.setAttribute("role", "status");
      note.textContent = box.dataset.restoredMessage;
      var main = document.getElementById("main");
      main.insertBefore(note, main.firstChild);
    }
  }

  function end() {
    keepDrafts();
    window.location.assign(window.location.href);
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.classList.add("d-none");
    warnTimer = window.setTimeout(function () {
      box.classList.remove("d-none");
      box.querySelector("[data-session-keepalive]").focus();
    }, Math.max(idle - warning, 0));
    // A little after the server's limit, so that the server has ended it.
    endTimer = window.setTimeout(end, idle + 2000);
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  box.querySelector("[data-session-keepalive]").addEventListener("click", function () {
    window
      .fetch(box.dataset.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      })
      .then(function (response) {
        if (response.status === 204) schedule();
        else end();
      })
      .catch(function () {
        box.classList.add("d-none");
      });
  });

  // A save (any htmx request but a GET) is activity on the server too.
  document.addEventListener("htmx:afterRequest", function (event) {
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb !== "get" && event.detail.successful) schedule();
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 401) end();
  });
  // The same from autosave.js, which saves with fetch rather than htmx.
  document.addEventListener("spbe:activity", schedule);
  document.addEventListener("spbe:session-ended", end);

  // After htmx has set up the page's autosave triggers (on DOMContentLoaded too).
  document.addEventListener("DOMContentLoaded", function () {
    window.setTimeout(restoreDrafts, 0);
  });
  schedule();
})();
