/* Document evaluation: small helpers around the htmx autosave of the scoring page.
 * Everything works without this file (plain form posts); it only marks unsaved rows.
 */
(function () {
  "use strict";

  // A row being edited gets a marker until htmx has saved it.
  document.addEventListener("input", function (event) {
    var form = event.target.closest(".score-form, .aspect-form");
    if (form) form.classList.add("is-dirty");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.detail.target;
    if (form && form.classList) form.classList.remove("is-dirty");
  });

  // An evidence link opens the pdf.js viewer in the row's frame, next to the form
  // (without this file the link opens the same viewer as a page of its own).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.evidence-open");
    if (!link) return;
    var frame = document.getElementById(link.dataset.frame);
    if (!frame) return;
    event.preventDefault();
    frame.src = link.href;
    frame.classList.remove("d-none");
  });

  // Leaving the page with an unsaved row asks first.
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector(".score-form.is-dirty, .aspect-form.is-dirty")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
