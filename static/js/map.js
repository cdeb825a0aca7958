/* Songda maps: Leaflet with tiles from a configurable server (none = a plain grid).
 * <div data-map data-tiles="…" data-center="lat,lng" data-points='[{"lat":…,"lng":…,"label":"…"}]'
 *      data-pick-lat="id_latitude" data-pick-lng="id_longitude"></div>
 * With data-pick-*, a click or a drag moves the pin and fills the two inputs. */
(function () {
  "use strict";

  function parsePoints(el) {
    try { return JSON.parse(el.dataset.points || "[]"); } catch (e) { return []; }
  }

  function initMap(el) {
    if (el._songdaMap) { return; }
    var center = (el.dataset.center || "30.2741,120.1551").split(",").map(Number);
    var map = L.map(el, { zoomControl: true }).setView(center, Number(el.dataset.zoom || 15));
    el._songdaMap = map;
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map-no-tiles");
    }
    var bounds = [];
    parsePoints(el).forEach(function (p) {
      var marker = L.marker([p.lat, p.lng], { title: p.label }).addTo(map);
      if (p.label) { marker.bindTooltip(p.label); }
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30] }); }
    if (el.dataset.pickLat) { enablePicking(el, map, center); }
  }

  function enablePicking(el, map, center) {
    var latInput = document.getElementById(el.dataset.pickLat);
    var lngInput = document.getElementById(el.dataset.pickLng);
    var hasPin = latInput.value && lngInput.value;
    var start = hasPin ? [Number(latInput.value), Number(lngInput.value)] : center;
    var pin = L.marker(start, { draggable: true, title: el.dataset.pinTitle || "" });
    if (hasPin) { pin.addTo(map); }
    function place(latlng) {
      if (!map.hasLayer(pin)) { pin.addTo(map); }
      pin.setLatLng(latlng);
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = latlng.lng.toFixed(6);
      el.dispatchEvent(new CustomEvent("songda:pin", { bubbles: true, detail: latlng }));
    }
    map.on("click", function (event) { place(event.latlng); });
    pin.on("dragend", function () { place(pin.getLatLng()); });
    var clear = document.querySelector("[data-clear-pin='" + el.id + "']");
    if (clear) {
      clear.addEventListener("click", function () {
        map.removeLayer(pin);
        latInput.value = "";
        lngInput.value = "";
      });
    }
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(initMap);
  }
  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initAll(event.target); });
})();
