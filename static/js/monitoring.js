/* Monitoring pages: small enhancements only; everything works as plain GET/POST forms.
 *
 * - The period picker submits itself on change (its "Show" button is for no-JS).
 * - htmx polling (hx-trigger="every 30s") is declared in the templates; nothing here.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.classList.add("mon-js");
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () {
          form.submit();
        });
      });
    });
  });
})();
