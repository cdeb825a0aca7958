/* Route plan map: on a map made by map.js (data-map), draw the depot, each courier's
 * route as a polyline in its colour with numbered stops, and the orders not placed.
 * <div data-map data-route-map="ID"> where #ID is a json_script:
 *   {"depot": {lat, lng, label}, "routes": [{colour, courier, path: [[lat, lng]…],
 *    stops: [{lat, lng, n, label}]}], "dropped": [{lat, lng, label}]} */
(function () {
  "use strict";

  function readData(el) {
    var source = document.getElementById(el.dataset.routeMap);
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function stopIcon(colour, number) {
    return L.divIcon({
      className: "route-stop-icon",
      html: '<span style="background:' + colour + '">' + number + "</span>",
      iconSize: [22, 22],
      iconAnchor: [11, 11]
    });
  }

  function draw(el) {
    var map = el._songdaMap;
    var data = readData(el);
    if (!map || !data || el._songdaRoutes) { return; }
    el._songdaRoutes = true;
    var bounds = [];
    var depot = data.depot;
    L.marker([depot.lat, depot.lng], {
      title: depot.label,
      icon: L.divIcon({ className: "route-depot-icon", html: "<span>⌂</span>", iconSize: [26, 26], iconAnchor: [13, 13] })
    }).bindTooltip(depot.label).addTo(map);
    bounds.push([depot.lat, depot.lng]);
    data.routes.forEach(function (route) {
      if (route.path.length > 1) {
        L.polyline(route.path, { color: route.colour, weight: 4, opacity: 0.85 })
          .bindTooltip(route.courier, { sticky: true }).addTo(map);
      }
      route.stops.forEach(function (stop) {
        L.marker([stop.lat, stop.lng], { icon: stopIcon(route.colour, stop.n), title: stop.label })
          .bindTooltip(route.courier + " · " + stop.label).addTo(map);
        bounds.push([stop.lat, stop.lng]);
      });
    });
    data.dropped.forEach(function (stop) {
      L.circleMarker([stop.lat, stop.lng], { radius: 7, color: "#6b7280", dashArray: "3", fillOpacity: 0.2 })
        .bindTooltip(stop.label).addTo(map);
      bounds.push([stop.lat, stop.lng]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30] }); }
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-route-map]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
