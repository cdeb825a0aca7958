/* Leaflet's own words in the page's language: the zoom buttons' titles and the
 * attribution's link to Leaflet. Load it right after leaflet.js, before any map is made:
 * <script src="map_labels.js" defer data-zoom-in="…" data-zoom-out="…" data-library="…"></script> */
(function () {
  "use strict";
  var labels = document.currentScript && document.currentScript.dataset;
  if (!window.L || !labels) { return; }
  L.Control.Zoom.prototype.options.zoomInTitle = labels.zoomIn || "+";
  L.Control.Zoom.prototype.options.zoomOutTitle = labels.zoomOut || "−";
  var link = document.createElement("a");
  link.href = "https://leafletjs.com";
  link.title = labels.library || "";
  link.textContent = "Leaflet";
  L.Control.Attribution.prototype.options.prefix = link.outerHTML;
})();
