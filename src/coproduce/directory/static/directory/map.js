// Draws the directory map from data- attributes (no inline script: the CSP forbids it).
// The list beside the map carries the same results, so the map is an extra, not the only way.
(function () {
  "use strict";
  function init() {
    var element = document.getElementById("directory-map");
    if (!element || typeof L === "undefined") {
      return;
    }
    var points = [];
    try {
      points = JSON.parse(element.getAttribute("data-points") || "[]");
    } catch (error) {
      points = [];
    }
    if (!points.length) {
      element.hidden = true;
      return;
    }
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.getAttribute("data-tiles-url"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.name, alt: point.name });
      var popup = document.createElement("div");
      if (point.url) {
        var link = document.createElement("a");
        link.href = point.url;
        link.textContent = point.name;
        popup.appendChild(link);
      } else {
        popup.textContent = point.name;
      }
      marker.bindPopup(popup);
      marker.addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    } else {
      map.fitBounds(bounds, { padding: [24, 24] });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
