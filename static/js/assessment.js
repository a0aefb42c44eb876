/* The scoring page's evidence viewer. Autosave is autosave.js's; this only opens an
   evidence link in the pdf.js viewer in the row's frame, next to the form. Without this
   file the link opens the same viewer as a page of its own. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.evidence-open");
    if (!link) return;
    var frame = document.getElementById(link.dataset.frame);
    if (!frame) return;
    event.preventDefault();
    frame.src = link.href;
    frame.classList.remove("d-none");
  });
})();
