// The map by facility category (Leaflet, no tiles: works offline): compounds coloured by
// their walk to the nearest facility, the facilities, their service area, the circle outline.
(function () {
  var BAND_COLOURS = { within: "#1a9641", near: "#f59e0b", far: "#c2261b", none: "#6b6b6b" };
  var FACILITY = "#0b3d91";

  function band(m, radius) {
    if (m === null || m === undefined) { return "none"; }
    if (m <= radius) { return "within"; }
    return m <= 1.5 * radius ? "near" : "far";
  }
  function bandZh(b) {
    return { within: "服务半径内", near: "超出半径 50% 以内", far: "超出半径 50% 以上", none: "无法步行到达" }[b];
  }
  function size(pop) { return Math.max(5, Math.min(14, 4 + Math.sqrt(pop || 0) / 12)); }
  function compoundTip(p, m) {
    return p.name + "（" + Math.round(p.population) + " 人）：" +
      (m === null || m === undefined ? "无法步行到达" : "步行 " + m + " 米");
  }

  // Draw ``geo`` (the API's FeatureCollection) on ``map``; returns what later edits recolour.
  function draw(map, geo, opts) {
    opts = opts || {};
    var group = L.featureGroup().addTo(map);
    var radius = geo.meta.radius_m;
    var compounds = {};
    var outline = null;
    geo.features.forEach(function (f) {
      var p = f.properties;
      if (p.kind === "circle") {
        outline = L.geoJSON(f, { interactive: false, style: { color: "#222", weight: 2, dashArray: "6 4", fill: false } }).addTo(group);
      } else if (p.kind === "service_area") {
        L.geoJSON(f, { interactive: false, style: { color: "#3d7cc9", weight: 1, fillColor: "#8fb8ea", fillOpacity: 0.3 } }).addTo(group);
      }
    });
    geo.features.forEach(function (f) {
      var p = f.properties;
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      if (p.kind === "facility") {
        L.circleMarker(ll, { radius: 6, color: "#fff", weight: 2, fillColor: FACILITY, fillOpacity: 1, className: "lc-facility" })
          .bindTooltip(geo.meta.category_zh + "：" + p.name).addTo(group);
      } else if (p.kind === "compound") {
        var mk = L.circleMarker(ll, {
          radius: size(p.population), color: "#1d1d1f", weight: 1,
          fillColor: BAND_COLOURS[p.band], fillOpacity: 0.9, className: "lc-compound lc-band-" + p.band,
        }).bindTooltip(compoundTip(p, p.nearest_m)).addTo(group);
        compounds[p.id] = { marker: mk, props: p };
      }
    });
    if (geo.meta.notice) {
      var note = L.control({ position: "bottomleft" });
      note.onAdd = function () {
        var d = L.DomUtil.create("div", "lc-map-note");
        d.textContent = geo.meta.notice;
        return d;
      };
      note.addTo(map);
      group.on("remove", function () { note.remove(); });
    }
    var bounds = (outline || group).getBounds();
    if (bounds.isValid() && !opts.keepView) { map.fitBounds(bounds, { padding: [12, 12] }); }
    return { group: group, compounds: compounds, radius: radius, meta: geo.meta };
  }

  // Colour the compounds by new distances (id -> metres or null); returns residents per band.
  function recolour(drawn, distances) {
    var totals = { within: 0, near: 0, far: 0, none: 0 };
    Object.keys(drawn.compounds).forEach(function (id) {
      var c = drawn.compounds[id];
      var m = Object.prototype.hasOwnProperty.call(distances, id) ? distances[id] : c.props.nearest_m;
      var b = band(m, drawn.radius);
      totals[b] += c.props.population;
      c.marker.setStyle({ fillColor: BAND_COLOURS[b] });
      var el = c.marker.getElement();
      if (el) { el.setAttribute("class", "leaflet-interactive lc-compound lc-band-" + b); }
      c.marker.setTooltipContent(compoundTip(c.props, m));
    });
    return totals;
  }

  function newMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "放大", zoomOutTitle: "缩小" }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    window.addEventListener("resize", function () { map.invalidateSize(); });
    el.lcMap = map;  // for keyboard helpers and the browser tests
    return map;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.detail || ("请求失败（" + r.status + "）")); e.status = r.status; throw e; }
        return body;
      });
    });
  }

  window.LcMaps = { band: band, bandZh: bandZh, colours: BAND_COLOURS, draw: draw, recolour: recolour, newMap: newMap, getJSON: getJSON };
})();
