/* Progressive enhancements; no inline handlers.
 *
 * Base behaviours only (every page loads this file). Area scripts live in
 * static/js/<area>.js and are loaded from the page's extra_js block.
 */
(function () {
  "use strict";

  // The skip link moves keyboard focus to <main>, not only the scroll position.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".skip-link");
    if (!link) return;
    var target = document.getElementById("main");
    if (target) {
      event.preventDefault();
      target.focus();
      target.scrollIntoView();
    }
  });

  // Buttons marked data-confirm ask before their form is submitted.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // A form marked data-once disables its submit buttons after the first submission
  // (the server is idempotent anyway; this only spares a double click).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-once]") || event.defaultPrevented) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    }, 0);
  });

  // Success and info messages fade out after a while; errors stay until closed.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.bootstrap) return;
    document.querySelectorAll(".messages .alert-success, .messages .alert-info").forEach(function (el) {
      window.setTimeout(function () {
        window.bootstrap.Alert.getOrCreateInstance(el).close();
      }, 8000);
    });
  });
})();
