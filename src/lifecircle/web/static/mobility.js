// Mobility layers (出行匹配): current circles coloured by matching degree and the proposed
// circles' boundaries, from /api/v1/mobility/*.geojson. On the /mobility page it draws its own
// map; on the 一张图 it adds both layers (off until chosen) to the district map through
// Leaflet's init hook, so map.js needs no change. Load after leaflet.js, before map.js.
(function () {
  if (typeof L === "undefined") return;
  var BREAKS = [0.4, 0.55, 0.7, 0.85];
  var COLOURS = ["#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"];
  var LINE = "#b2182b";

  function colour(v) {
    if (v === null || v === undefined) return "#9e9e9e";
    for (var i = 0; i < BREAKS.length; i++) if (v < BREAKS[i]) return COLOURS[i];
    return COLOURS[COLOURS.length - 1];
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  function circlesLayer(geo, link) {
    return L.geoJSON(geo, {
      style: function (f) {
        return { color: "#333", weight: 1, fillColor: colour(f.properties.match_index), fillOpacity: 0.92 };
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        var mi = p.match_index === null || p.match_index === undefined ? "—" : p.match_index.toFixed(2);
        lyr.bindTooltip(
          esc(p.id + (p.name ? " " + p.name : "")) + "：匹配程度 " + mi +
          "<br>居民到访设施留在本圈 " + pct(p.own_circle_share) +
          "<br>本圈设施由本圈居民使用 " + pct(p.visits_by_own_residents_share) +
          "<br>15 分钟步行内 " + pct(p.within_limit_share),
          { sticky: true }
        );
        if (link && p.url) lyr.on("click", function () { window.location.href = p.url; });
      },
    });
  }

  function proposedLayer(geo) {
    // the merged edges (each shared edge once) carry the dashes: two outlines drawn over a
    // shared edge would fill each other's gaps; the circles' own figures are in the tables
    if (geo.edges) {
      return L.geoJSON(geo.edges, {
        style: function () { return { color: LINE, weight: 2.5, dashArray: "6 4", fill: false }; },
        interactive: false,
      });
    }
    return L.geoJSON(geo, {
      style: function () { return { color: LINE, weight: 2.5, dashArray: "6 4", fill: false }; },
      interactive: false,
    });
  }

  function legend() {
    var c = L.control({ position: "bottomright" });
    c.onAdd = function () {
      var div = L.DomUtil.create("div", "mob-legend");
      var labels = ["低于 0.4", "0.4–0.55", "0.55–0.7", "0.7–0.85", "0.85 以上"];
      var html = "<strong>匹配程度</strong>";
      for (var i = 0; i < labels.length; i++) html += "<br><i class=\"sw mob-" + (i + 1) + "\"></i>" + labels[i];
      div.innerHTML = html + "<br><i class=\"line\"></i>建议生活圈边界";
      return div;
    };
    return c;
  }

  function load(run) {
    var q = run ? "?run=" + encodeURIComponent(run) : "";
    return Promise.all([get("/api/v1/mobility/circles.geojson" + q), get("/api/v1/mobility/proposed.geojson" + q)]);
  }

  // the district map: two overlays, off until the user picks them
  L.Map.addInitHook(function () {
    var el = this.getContainer();
    if (el.getAttribute("data-mobility") !== "overlay") return;
    var map = this;
    var note = document.getElementById("mobility-note");
    load(null).then(function (res) {
      var run = res[0].run;
      if (!run) return;
      var circles = circlesLayer(res[0], true);
      var proposed = proposedLayer(res[1]);
      var overlays = {};
      overlays["出行匹配程度（" + run.title + "）"] = circles;
      if (res[1].features.length) overlays["建议生活圈边界"] = proposed;
      L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
      var key = legend();
      map.on("overlayadd", function () { key.addTo(map); });
      map.on("overlayremove", function () {
        if (!map.hasLayer(circles) && !map.hasLayer(proposed)) key.remove();
      });
      if (note) {
        note.textContent = "可在地图右上角叠加出行匹配程度与生活圈划分建议" + (run.note ? "（" + run.note + "）" : "") + "。";
        var a = document.createElement("a");
        a.href = "/mobility";
        a.textContent = "查看出行匹配详情";
        note.appendChild(document.createTextNode(" "));
        note.appendChild(a);
        note.hidden = false;
      }
    }).catch(function () { /* no access or no data: the district map stays as it is */ });
  });

  // the /mobility page: its own map with both layers shown (its legend is under the map)
  document.querySelectorAll("div.map[data-mobility='page']").forEach(function (el) {
    load(el.getAttribute("data-run")).then(function (res) {
      var circles = circlesLayer(res[0], true);
      var proposed = proposedLayer(res[1]);
      if (!res[0].features.length && !res[1].features.length) {
        el.classList.add("empty");
        el.textContent = "没有可显示的范围（导入时未给社区图层，且数据库中没有这些生活圈的范围）。";
        return;
      }
      var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
      circles.addTo(map);
      proposed.addTo(map);
      var bounds = L.featureGroup([circles, proposed]).getBounds();
      map.fitBounds(bounds, { padding: [8, 8] });
      L.control.scale({ imperial: false }).addTo(map);
      var overlays = { "出行匹配程度": circles, "建议生活圈边界": proposed };
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      window.addEventListener("resize", function () { map.invalidateSize(); });
    }).catch(function () {
      el.classList.add("empty");
      el.textContent = "地图数据读取失败，请刷新页面。";
    });
  });
})();
