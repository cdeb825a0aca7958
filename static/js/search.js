/* Phone-first search: Enter opens the first hit, arrow keys walk the list. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var box = event.target.closest && event.target.closest("[data-search-box]");
    var hit = event.target.closest && event.target.closest("#results .hit");
    if (box && event.key === "Enter") {
      var first = document.querySelector("#results .hit");
      if (first) { event.preventDefault(); window.location = first.href; }
    } else if ((box || hit) && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var hits = Array.prototype.slice.call(document.querySelectorAll("#results .hit"));
      if (!hits.length) { return; }
      event.preventDefault();
      var index = hits.indexOf(hit);
      var next = event.key === "ArrowDown" ? index + 1 : index - 1;
      if (next < 0) { document.getElementById("customer-search").focus(); return; }
      hits[Math.min(next, hits.length - 1)].focus();
    }
  });
})();
