/* Autosave for forms marked data-autosave: a small state machine the user can see.
 *
 *   dirty (unsaved changes) -> saving -> saved at HH:MM:SS
 *                                     -> not saved (reason, Retry; automatic retry with
 *                                        backoff when the network or the server failed)
 *                                     -> conflict (the server's comparison box)
 *
 * The server stays the truth. Rules this file keeps:
 * - the fields the user types into are never replaced by a response: only the status
 *   area, the hidden version input and elements the response marks data-autosave-oob
 *   (badges, counters; matched by id) are updated;
 * - one request per form at a time; whatever was typed while it ran is sent next, so the
 *   last typed value is the one stored;
 * - every change is kept in localStorage until the server has confirmed it, and put back
 *   into the form after a reload or a crash;
 * - leaving the page while anything is not confirmed asks first.
 * Without JavaScript the forms are plain POST forms.
 */
(function () {
  "use strict";

  var MESSAGES = {};
  var states = new WeakMap();
  var DEBOUNCE_TYPING = 800;
  var DEBOUNCE_CHOICE = 150;
  var MAX_BACKOFF = 30000;

  function msg(key) { return MESSAGES[key] || key; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  function storageKey(form) {
    return "autosave:" + location.pathname + ":" + (form.id || form.getAttribute("action"));
  }

  function isVersion(name) { return /(^|-)(base_)?version$/.test(name); }

  // The user's values (no token, no version), in a stable order, for comparisons.
  function snapshot(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || isVersion(name) || typeof value !== "string") return;
      out.push([name, value]);
    });
    return JSON.stringify(out);
  }

  function versionInputs(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input[type=hidden]"),
      function (input) { return isVersion(input.name); }
    );
  }

  function stateOf(form) {
    var st = states.get(form);
    if (!st) {
      st = {
        phase: "idle", timer: null, retryTimer: null, inFlight: false, failures: 0,
        confirmed: snapshot(form), version: (versionInputs(form)[0] || {}).value
      };
      states.set(form, st);
    }
    return st;
  }

  function statusArea(form) { return form.querySelector("[data-autosave-status]"); }

  function show(form, phase, html) {
    var st = stateOf(form);
    st.phase = phase;
    form.dataset.autosaveState = phase;
    var area = statusArea(form);
    if (!area || html === undefined) return;
    if (typeof html === "string") {
      area.innerHTML = html;
    } else {
      // A node from the response (the conflict box, which holds a form of its own):
      // inserted as a node, since parsing it as HTML inside a form would drop that form.
      area.replaceChildren(document.importNode(html, true));
      if (window.htmx) window.htmx.process(area);
    }
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function badge(icon, cls, text) {
    return '<span class="' + cls + '" role="status"><i class="bi ' + icon +
      '" aria-hidden="true"></i> ' + escapeHtml(text) + "</span>";
  }

  function remember(form) {
    var st = stateOf(form);
    try {
      localStorage.setItem(storageKey(form), JSON.stringify({
        values: snapshot(form), version: st.version, at: Date.now()
      }));
    } catch (e) { /* storage full or disabled: the in-page state still holds the text */ }
  }

  function forget(form) {
    try { localStorage.removeItem(storageKey(form)); } catch (e) { /* see remember */ }
  }

  function markDirty(form, delay) {
    var st = stateOf(form);
    remember(form);
    // A failure or a conflict stays on screen until the next answer replaces it.
    if (!st.inFlight && st.phase !== "failed" && st.phase !== "conflict") {
      show(form, "dirty", badge("bi-pencil", "text-muted autosave-dirty", msg("dirty")));
    }
    window.clearTimeout(st.timer);
    st.timer = window.setTimeout(function () { save(form); }, delay);
  }

  function fail(form, reason, retry) {
    var st = stateOf(form);
    st.failures += 1;
    var html = '<span class="text-danger save-error autosave-failed" role="alert">' +
      '<i class="bi bi-exclamation-octagon" aria-hidden="true"></i> ' +
      escapeHtml(msg("failed")) + " " + escapeHtml(reason) + "</span> " +
      '<button type="button" class="btn btn-link btn-sm p-0 align-baseline autosave-retry">' +
      escapeHtml(msg("retry")) + "</button>";
    show(form, "failed", html);
    window.clearTimeout(st.retryTimer);
    if (retry) {
      var wait = Math.min(1000 * Math.pow(2, st.failures - 1), MAX_BACKOFF);
      st.retryTimer = window.setTimeout(function () { save(form); }, wait);
    }
  }

  function applyOob(doc) {
    doc.querySelectorAll("[data-autosave-oob][id]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (old) old.replaceWith(fresh);
    });
  }

  function save(form) {
    var st = stateOf(form);
    window.clearTimeout(st.timer);
    window.clearTimeout(st.retryTimer);
    if (st.inFlight) { st.again = true; return; }
    var sent = snapshot(form);
    if (sent === st.confirmed && st.phase !== "failed") {
      if (st.phase === "dirty") show(form, "saved", st.savedHtml || "");
      forget(form);
      return;
    }
    st.inFlight = true;
    st.again = false;
    st.lastSent = sent;
    if (st.phase !== "conflict") {
      show(form, "saving", badge("bi-arrow-repeat", "text-muted autosave-saving", msg("saving")));
    }
    var body = new FormData(form);
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // The views answer an htmx-style request with the small partial read below.
      headers: { "HX-Request": "true" }
    }).then(function (response) {
      return response.text().then(function (text) { return { response: response, text: text }; });
    }).then(function (result) {
      st.inFlight = false;
      var response = result.response;
      if (response.status === 401) {
        // The session is over: session.js keeps what was typed and takes the user to
        // sign in again; the text is also kept here until the server has it.
        fail(form, msg("server") + " (401)", false);
        document.dispatchEvent(new CustomEvent("spbe:session-ended"));
        return;
      }
      if (!response.ok) {
        var transient = response.status >= 500 || response.status === 429;
        var reason = response.status === 413 || response.status === 400
          ? msg("too_large") : msg("server") + " (" + response.status + ")";
        if (response.status === 403) reason = msg("forbidden");
        fail(form, reason, transient);
        return;
      }
      var doc = new DOMParser().parseFromString(result.text, "text/html");
      var marker = doc.querySelector("[data-autosave-result]");
      applyOob(doc);
      if (!marker) { fail(form, msg("server"), true); return; }
      var outcome = marker.getAttribute("data-autosave-result");
      if (outcome === "saved") {
        // A save is activity on the server: session.js restarts its idle countdown.
        document.dispatchEvent(new CustomEvent("spbe:activity"));
        st.failures = 0;
        st.confirmed = sent;
        if (marker.dataset.version) {
          st.version = marker.dataset.version;
          versionInputs(form).forEach(function (input) { input.value = marker.dataset.version; });
        }
        var savedAt = marker.dataset.savedText || msg("saved") + " " + clock(new Date());
        st.savedHtml = badge("bi-cloud-check", "text-success save-ok", savedAt) +
          (marker.dataset.warning ? ' <span class="text-warning-emphasis small d-block">' +
            '<i class="bi bi-exclamation-triangle" aria-hidden="true"></i> ' +
            escapeHtml(marker.dataset.warning) + "</span>" : "");
        if (snapshot(form) !== sent || st.again) {
          remember(form);
          save(form);
        } else {
          forget(form);
          show(form, "saved", st.savedHtml);
        }
      } else if (outcome === "conflict") {
        st.failures = 0;
        show(form, "conflict", marker);
      } else {
        // Refused by a rule (deadline, read-only, a field too long): no automatic retry.
        fail(form, marker.textContent.trim(), false);
      }
    }).catch(function () {
      st.inFlight = false;
      fail(form, navigator.onLine === false ? msg("offline") : msg("network"), true);
    });
  }

  function restore(form) {
    var raw;
    try { raw = localStorage.getItem(storageKey(form)); } catch (e) { return; }
    if (!raw) return;
    var kept;
    try { kept = JSON.parse(raw); } catch (e) { forget(form); return; }
    if (!kept || kept.values === snapshot(form)) { forget(form); return; }
    JSON.parse(kept.values).forEach(function (pair) {
      var fields = form.querySelectorAll('[name="' + pair[0] + '"]');
      fields.forEach(function (field) {
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = field.value === pair[1];
        } else {
          field.value = pair[1];
        }
      });
    });
    var st = stateOf(form);
    // Based on the version the text was typed on: if someone saved since, the server
    // answers with the conflict box instead of overwriting.
    if (kept.version !== undefined && kept.version !== null) {
      versionInputs(form).forEach(function (input) { input.value = kept.version; });
      st.version = kept.version;
    }
    show(form, "dirty", badge("bi-clock-history", "text-warning-emphasis autosave-restored", msg("restored")));
    st.timer = window.setTimeout(function () { save(form); }, 500);
  }

  function autosaveForm(target) {
    var form = target && target.closest ? target.closest("form") : null;
    return form && form.hasAttribute("data-autosave") ? form : null;
  }

  document.addEventListener("input", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    var choice = event.target.type === "radio" || event.target.tagName === "SELECT";
    markDirty(form, choice ? DEBOUNCE_CHOICE : DEBOUNCE_TYPING);
  });

  document.addEventListener("change", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    // "change" also fires on leaving a field already sent by "input": only new values count.
    var st = stateOf(form), now = snapshot(form);
    if (now !== st.confirmed && now !== st.lastSent) markDirty(form, DEBOUNCE_CHOICE);
  });

  // The user settled a conflict (kept the saved version, or saved theirs over it): the
  // text kept in the browser is no longer pending.
  function settle(form) {
    var st = stateOf(form);
    window.clearTimeout(st.timer);
    window.clearTimeout(st.retryTimer);
    st.confirmed = snapshot(form);
    forget(form);
  }

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.hasAttribute) return;
    if (!target.hasAttribute("data-autosave")) {
      // A form in the status area (the conflict box) posts normally.
      var outer = target.parentElement && autosaveForm(target.parentElement);
      if (outer) settle(outer);
      return;
    }
    if (event.submitter && event.submitter.hasAttribute("data-submit-plain")) {
      // "Save and next": an ordinary post; the server saves (or says why not) and moves
      // on. This form's text goes with it, so leaving is not a loss to warn about.
      // An autosave still on its way would bump the version under the post (an edit
      // conflict with oneself): wait for it, then post with the version it returned.
      if (stateOf(target).inFlight) {
        event.preventDefault();
        var submitter = event.submitter;
        var waitForSave = function () {
          if (stateOf(target).inFlight) { window.setTimeout(waitForSave, 50); return; }
          target.requestSubmit(submitter);
        };
        waitForSave();
        return;
      }
      settle(target);
      return;
    }
    event.preventDefault();
    save(target);
  });

  document.addEventListener("click", function (event) {
    var form;
    if (event.target.closest(".autosave-discard")) {
      form = autosaveForm(event.target);
      if (form) settle(form);
      return;
    }
    if (!event.target.closest(".autosave-retry")) return;
    form = autosaveForm(event.target);
    if (form) save(form);
  });

  window.addEventListener("online", function () {
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      if (stateOf(form).phase === "failed") save(form);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    var pending = Array.prototype.some.call(
      document.querySelectorAll("form[data-autosave]"),
      function (form) {
        var st = stateOf(form);
        return st.inFlight || st.confirmed !== snapshot(form);
      }
    );
    if (!pending) return undefined;
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  function init() {
    var data = document.getElementById("autosave-messages");
    if (data) {
      try { MESSAGES = JSON.parse(data.textContent); } catch (e) { MESSAGES = {}; }
    }
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      stateOf(form);
      restore(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
