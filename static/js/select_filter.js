/* A filter box for a long <select> (the institution picker): typing narrows the options
 * by name or code; one match left is chosen. Marked on the server with data-filter; the
 * box's label comes from data-filter-label (translated there). Without JavaScript the
 * plain select still works.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function attach(select, n) {
    var all = Array.prototype.map.call(select.options, function (o) {
      return { option: o, text: fold(o.textContent) };
    });
    var wrap = document.createElement("div");
    wrap.className = "mb-2";
    var label = document.createElement("label");
    label.className = "form-label small";
    label.htmlFor = "select-filter-" + n;
    label.textContent = select.dataset.filterLabel || "";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "select-filter-" + n;
    input.className = "form-control form-control-sm select-filter";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    var count = document.createElement("div");
    count.className = "form-text";
    count.setAttribute("aria-live", "polite");
    wrap.appendChild(label);
    wrap.appendChild(input);
    wrap.appendChild(count);
    select.parentNode.insertBefore(wrap, select);

    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var shown = [];
      select.textContent = "";
      all.forEach(function (item) {
        var keep = !item.option.value || words.every(function (w) { return item.text.indexOf(w) !== -1; });
        if (keep) {
          select.appendChild(item.option);
          if (item.option.value) shown.push(item.option);
        }
      });
      if (shown.length === 1) {
        select.value = shown[0].value;
      } else {
        select.value = chosen;
      }
      var format = shown.length === 1 ? select.dataset.filterCountOne : select.dataset.filterCount;
      count.textContent = words.length ? (format || "{n}").replace("{n}", shown.length) : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-filter]").forEach(attach);
  });
})();
