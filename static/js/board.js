/* The dispatcher's board map: depots, orders by status (a red ring when late),
 * couriers where their phones last reported (an order a courier holds wears his
 * colour as its ring), published routes as lines.
 * <div id="board-map" data-url="…json" data-tiles="…" data-center="lat,lng" data-refresh="15">
 * The data is asked for again every data-refresh seconds. Clicking an order
 * ticks it in the pool beside the map; ticked orders are drawn larger. Couriers'
 * names are labels only: clicks go through them to the orders underneath. An order
 * (or the ticked ones) dragged from the pool onto a courier, in the list or on
 * the map, is assigned to him. */
(function () {
  "use strict";

  var STATUS_COLOURS = {
    pending: "#d68910",
    assigned: "#1d4f91",
    out_for_delivery: "#0288d1",
    delivered: "#2e7d32",
    failed: "#b3261e"
  };

  function tooltip(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function pickBox(orderId) {
    return document.querySelector("#board-live input[name=orders][value='" + orderId + "']");
  }

  /* Couriers reporting the same place (often the depot) would hide each other and
   * the depot: each is drawn a fixed few pixels off it, round a circle, the depot
   * (if it is there) left in the middle. Returns courier id -> [dx, dy] in pixels. */
  var SPREAD_PX = 32;

  function placeKey(lat, lng) {
    return Number(lat).toFixed(5) + "," + Number(lng).toFixed(5);
  }

  function spreadOffsets(couriers, depots) {
    var groups = {};
    couriers.forEach(function (courier) {
      var key = placeKey(courier.lat, courier.lng);
      (groups[key] = groups[key] || []).push(courier.id);
    });
    var depotPlaces = {};
    depots.forEach(function (depot) { depotPlaces[placeKey(depot.lat, depot.lng)] = true; });
    var offsets = {};
    Object.keys(groups).forEach(function (key) {
      var ids = groups[key];
      var crowded = ids.length > 1 || depotPlaces[key];
      ids.forEach(function (id, index) {
        var angle = -Math.PI / 2 + 2 * Math.PI * index / ids.length;
        offsets[id] = crowded ? [Math.round(SPREAD_PX * Math.cos(angle)), Math.round(SPREAD_PX * Math.sin(angle))] : [0, 0];
      });
    });
    return offsets;
  }

  function courierIcon(courier, offset) {
    var holder = document.createElement("span");
    holder.className = "courier-drop";
    holder.dataset.courier = String(courier.id);
    holder.title = courier.name;
    var pin = document.createElement("span");
    pin.className = "courier-pin" + (courier.quiet ? " quiet" : "") + " cs-" + courier.status;
    pin.style.background = courier.colour;
    pin.textContent = (courier.name || "?").slice(0, 1);
    var name = document.createElement("span");
    name.className = "courier-name" + (offset && offset[0] < 0 ? " label-left" : "");
    name.textContent = courier.short;
    holder.appendChild(pin);
    holder.appendChild(name);
    var dx = offset ? offset[0] : 0;
    var dy = offset ? offset[1] : 0;
    return L.divIcon({
      html: holder,
      className: "courier-icon",
      iconSize: [28, 28],
      iconAnchor: [14 - dx, 14 - dy],
      tooltipAnchor: [dx, dy]
    });
  }

  function depotIcon(depot, current) {
    var pin = document.createElement("span");
    pin.className = "depot-pin" + (current ? " current" : "");
    pin.textContent = depot.name.slice(0, 2);
    return L.divIcon({ html: pin, className: "depot-icon", iconSize: [34, 22], iconAnchor: [17, 11] });
  }

  function initBoard(el) {
    var center = (el.dataset.center || "30.2741,120.1551").split(",").map(Number);
    var map = L.map(el, { zoomControl: true }).setView(center, 14);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map-no-tiles");
    }
    var layers = {
      routes: L.layerGroup().addTo(map),
      depots: L.layerGroup().addTo(map),
      orders: L.layerGroup().addTo(map),
      couriers: L.layerGroup().addTo(map)
    };
    var orderMarkers = {};
    var fitted = false;

    function styleOrder(marker) {
      var order = marker.songdaOrder;
      var box = pickBox(order.id);
      var picked = box && box.checked;
      marker.setStyle({
        radius: picked ? 11 : 7,
        color: picked ? "#111" : (order.late ? "#b3261e" : (order.colour || "#ffffff")),
        weight: picked || order.late ? 3 : (order.colour ? 2.5 : 1.5),
        fillColor: STATUS_COLOURS[order.status] || "#777",
        fillOpacity: order.status === "delivered" ? 0.55 : 0.9
      });
    }

    function draw(data) {
      Object.keys(layers).forEach(function (name) { layers[name].clearLayers(); });
      orderMarkers = {};
      var bounds = [];
      (data.routes || []).forEach(function (route) {
        L.polyline(route.points, { color: route.colour, weight: 4, opacity: 0.7 }).addTo(layers.routes);
      });
      (data.depots || []).forEach(function (depot) {
        L.marker([depot.lat, depot.lng], { icon: depotIcon(depot, depot.id === data.depot), title: depot.name, zIndexOffset: -100 })
          .bindTooltip(tooltip(depot.name)).addTo(layers.depots);
        if (depot.id === data.depot) { bounds.push([depot.lat, depot.lng]); }
      });
      (data.orders || []).forEach(function (order) {
        var marker = L.circleMarker([order.lat, order.lng], { radius: 7 });
        marker.songdaOrder = order;
        styleOrder(marker);
        marker.bindTooltip(tooltip(order.label));
        marker.on("click", function () {
          var box = pickBox(order.id);
          if (!box) { return; }
          box.checked = !box.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        });
        marker.addTo(layers.orders);
        var path = marker.getElement();
        if (path) { path.setAttribute("data-order", order.id); path.classList.add("order-marker", "st-" + order.status); }
        orderMarkers[order.id] = marker;
        bounds.push([order.lat, order.lng]);
      });
      var offsets = spreadOffsets(data.couriers || [], data.depots || []);
      (data.couriers || []).forEach(function (courier) {
        L.marker([courier.lat, courier.lng], { icon: courierIcon(courier, offsets[courier.id]), title: courier.name, zIndexOffset: 500 })
          .bindTooltip(tooltip(courier.label)).addTo(layers.couriers);
        bounds.push([courier.lat, courier.lng]);
      });
      if (!fitted && bounds.length > 1) {
        map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
        fitted = true;
      }
      el.dataset.orders = String((data.orders || []).length);
      el.dataset.couriers = String((data.couriers || []).length);
      el.classList.remove("stale");
      el.dispatchEvent(new CustomEvent("songda:board", { bubbles: true, detail: data }));
    }

    function load() {
      fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(draw)
        .catch(function () { el.classList.add("stale"); });
    }

    function restyle() {
      Object.keys(orderMarkers).forEach(function (id) { styleOrder(orderMarkers[id]); });
      var count = document.querySelectorAll("#board-live input[name=orders]:checked").length;
      var label = document.querySelector(".board-actions .selected-count");
      if (label) { label.textContent = count ? "✓ " + count : ""; }
    }

    document.addEventListener("change", function (event) {
      if (event.target && event.target.name === "orders") { restyle(); }
    });
    document.addEventListener("htmx:afterSwap", restyle);
    dragToAssign();
    load();
    setInterval(load, Number(el.dataset.refresh || 15) * 1000);
  }

  /* Drag an order (or the ticked ones, if it is ticked) onto a courier's row or his
   * marker on the map to assign. */
  function dragToAssign() {
    var form = document.getElementById("board-form");
    if (!form) { return; }
    document.addEventListener("dragstart", function (event) {
      var item = event.target.closest && event.target.closest(".board-order");
      var box = item && item.querySelector("input[name=orders]");
      if (!box) { return; }
      event.dataTransfer.setData("text/plain", box.value);
      event.dataTransfer.effectAllowed = "move";
    });
    function target(event) {
      return event.target.closest && event.target.closest("[data-courier]");
    }
    document.addEventListener("dragover", function (event) {
      var row = target(event);
      if (row) { event.preventDefault(); row.classList.add("drop-here"); }
    });
    document.addEventListener("dragleave", function (event) {
      var row = target(event);
      if (row) { row.classList.remove("drop-here"); }
    });
    document.addEventListener("drop", function (event) {
      var row = target(event);
      var id = event.dataTransfer.getData("text/plain");
      if (!row || !id) { return; }
      event.preventDefault();
      row.classList.remove("drop-here");
      var choice = form.querySelector("#board-courier option[value='" + row.dataset.courier + "']");
      if (!choice) { return; }
      var dragged = document.getElementById("pick-" + id);
      if (!dragged) { return; }
      if (!dragged.checked) {
        document.querySelectorAll("#board-live input[name=orders]:checked").forEach(function (box) { box.checked = false; });
        dragged.checked = true;
      }
      form.querySelector("#board-courier").value = row.dataset.courier;
      form.requestSubmit(form.querySelector("#assign-button"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("board-map");
    if (el && window.L) { initBoard(el); }
  });
})();
