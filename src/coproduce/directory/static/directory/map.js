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
    // A status line under the map, there from the start so its message is announced.
    var status = document.createElement("p");
    status.className = "map-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    element.insertAdjacentElement("afterend", status);
    var tilesLoaded = 0;
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.getAttribute("data-tiles-url"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors"
    })
      .on("tileload", function () {
        tilesLoaded += 1;
        status.hidden = true;
        status.textContent = "";
      })
      .on("tileerror", function () {
        if (tilesLoaded === 0 && !status.textContent) {
          status.hidden = false;
          status.textContent = element.getAttribute("data-offline-message") ||
            "The map pictures could not load, so the map may be blank. Everything on it is also written on this page.";
        }
      })
      .addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      // The list under the map links every place, and it is the way in for keyboards and
      // screen readers (WCAG 2.5.8's "equivalent" exception covers markers that sit close
      // together on a small screen), so markers are for pointing only, not tab stops.
      var marker = L.marker([point.lat, point.lon], {
        title: point.name,
        alt: point.name,
        keyboard: false
      });
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
