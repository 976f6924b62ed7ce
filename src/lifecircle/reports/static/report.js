/* lifecircle report pages: Leaflet map and ECharts charts from the inline REPORT object. */
(function () {
  "use strict";
  var R = REPORT, S = R.strings;
  var BANDS = R.bands, BAND_COLOURS = R.band_colours;

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, attributionControl: !!R.tiles });
    if (R.tiles) {
      L.tileLayer(R.tiles.url, { attribution: R.tiles.attribution || "", maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function legendControl(map, html, pos) {
    var c = L.control({ position: pos || "bottomright" });
    c.onAdd = function () { var d = L.DomUtil.create("div", "legend"); d.innerHTML = html; return d; };
    c.addTo(map);
    return c;
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[ch];
    });
  }

  function bandOf(d) {
    if (d === null || d === undefined) { return BANDS.length; }
    for (var i = 0; i < BANDS.length; i++) { if (d <= BANDS[i]) { return i; } }
    return BANDS.length;
  }

  function circleMap() {
    var map = baseMap("map");
    L.geoJSON(R.neighbours, { style: { color: "#999", weight: 1, fill: false } }).addTo(map);
    var me = L.geoJSON(R.circle, { style: { color: "#1f2d3d", weight: 3, fillColor: "#dde6f0", fillOpacity: 0.25 } }).addTo(map);
    map.fitBounds(me.getBounds(), { padding: [20, 20] });
    // one category at a time: its service area, its facilities, compounds coloured by the walk
    var areaLayer = L.layerGroup().addTo(map);
    var facLayer = L.layerGroup().addTo(map);
    var compLayer = L.layerGroup().addTo(map);
    var overlays = {};
    overlays[S.html_service_areas] = areaLayer;
    overlays[S.html_facilities] = facLayer;
    overlays[S.html_compounds] = compLayer;
    L.control.layers(null, overlays, { collapsed: true }).addTo(map);
    var legend = legendControl(map, "");

    var sel = document.getElementById("colour-by");
    R.distance_categories.forEach(function (cat) {
      var o = document.createElement("option"); o.value = cat.id; o.textContent = cat.label; sel.appendChild(o);
    });
    var labelOf = {};
    R.distance_categories.forEach(function (c) { labelOf[c.id] = c.label; });
    function draw() {
      areaLayer.clearLayers(); facLayer.clearLayers(); compLayer.clearLayers();
      var cat = sel.value;
      var area = cat ? (R.service_areas || {})[cat] : null;
      if (area) {
        L.geoJSON(area.geojson, { style: { color: "#1f77b4", weight: 1, fillColor: "#1f77b4", fillOpacity: 0.13 }, interactive: false }).addTo(areaLayer);
      }
      R.compounds.forEach(function (c) {
        var d = cat ? c.d[cat] : null;
        var b = cat ? bandOf(d) : 0;
        var r = 4 + 8 * Math.sqrt(c.pop / 4000);
        L.circleMarker([c.lat, c.lon], { radius: r, color: "#333", weight: 0.8, fillColor: cat ? BAND_COLOURS[b] : "#2e8b57", fillOpacity: 0.85 })
          .bindTooltip(esc(c.name) + "<br>" + S.population + " " + c.pop.toLocaleString() +
            (cat ? "<br>" + S.nearest_m + " " + (d === null ? S.unreachable : Math.round(d)) : ""))
          .addTo(compLayer);
      });
      var nFac = 0;
      R.facilities.forEach(function (f) {
        if (f[3] !== cat) { return; }
        nFac++;
        L.circleMarker([f[0], f[1]], { radius: 5, color: "#111", weight: 2.5, fillColor: "#fff", fillOpacity: 1 })
          .bindTooltip(esc(f[2]) + "<br>" + esc(labelOf[cat] || cat)).addTo(facLayer);
      });
      var lg = R.band_labels.map(function (lab, i) { return '<i style="background:' + BAND_COLOURS[i] + '"></i>' + esc(lab); }).join("<br>");
      var html = "<b>" + esc(S.nearest_m) + "</b><br>" + lg;
      if (cat) {
        html += '<br><i style="background:#fff;border:2.5px solid #111"></i>' + esc(labelOf[cat] || cat) + " (" + nFac + ")";
      }
      if (area) {
        html += '<br><i class="sq" style="background:rgba(31,119,180,0.25);border-color:#1f77b4"></i>' + esc(area.label);
      }
      legend.getContainer().innerHTML = html;
    }
    sel.addEventListener("change", draw);
    draw();
    return map;
  }

  function districtMap() {
    var map = baseMap("map");
    var colours = R.grade_colours;
    var lyr = L.geoJSON(R.circles, {
      style: function (f) { return { color: "#fff", weight: 1.5, fillColor: colours[f.properties.grade], fillOpacity: 0.85 }; },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip("<b>" + esc(p.circle_id) + " " + esc(p.name) + "</b><br>" + esc(p.grade_text) +
          (p.n_fail ? "<br>" + esc(S.status_fail) + " " + p.n_fail : ""), { sticky: true });
      }
    }).addTo(map);
    map.fitBounds(lyr.getBounds(), { padding: [10, 10] });
    R.labels.forEach(function (t) {
      L.marker([t[0], t[1]], { icon: L.divIcon({ className: "", html: '<span style="font-size:11px;color:' + t[3] + '">' + esc(t[2]) + "</span>", iconSize: [34, 14], iconAnchor: [17, 7] }), interactive: false }).addTo(map);
    });
    legendControl(map, R.grade_legend.map(function (g) { return '<i class="sq" style="background:' + colours[g[0]] + '"></i>' + esc(g[1]); }).join("<br>"));
    return map;
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function draw() {
  var font = { fontFamily: getComputedStyle(document.body).fontFamily };
  if (R.kind === "circle") {
    circleMap();
    var ind = R.indicators.filter(function (i) { return i.ratio !== null; });
    chart("chart-indicators", {
      textStyle: font,
      title: { text: S.chart_indicators, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (ps) {
        var i = ind[ps[0].dataIndex]; return esc(i.name) + "<br>" + esc(i.value_text) + " / " + esc(i.threshold_text) + "<br>" + esc(i.status_text); } },
      grid: { left: 230, right: 70, top: 40, bottom: 30 },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: ind.map(function (i) { return i.name; }), axisLabel: { width: 215, overflow: "truncate", interval: 0 } },
      series: [{ type: "bar", barMaxWidth: 14, data: ind.map(function (i) {
          return { value: Math.min(i.ratio, 300), itemStyle: { color: i.status === "pass" ? "#2e8b57" : "#d7301f" } }; }),
        label: { show: true, position: "right", formatter: function (p) { return ind[p.dataIndex].ratio + "%"; } },
        markLine: { symbol: "none", silent: true, lineStyle: { color: "#1f2d3d", type: "dashed", width: 1.5 }, data: [{ xAxis: 100 }], label: { show: false } } }]
    });
    if (R.distance_profile.length) {
      chart("chart-distance", {
        textStyle: font,
        title: { text: S.chart_distance, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0 },
        grid: { left: 170, right: 30, top: 40, bottom: 75 },
        xAxis: { type: "value", name: S.population, nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "category", inverse: true, data: R.distance_profile.map(function (p) { return p.name; }) },
        series: R.band_labels.map(function (lab, b) {
          return { name: lab, type: "bar", stack: "pop", itemStyle: { color: BAND_COLOURS[b] },
                   data: R.distance_profile.map(function (p) { return p.population[b]; }) };
        })
      });
    } else {
      document.getElementById("chart-distance").style.display = "none";
    }
  } else {
    districtMap();
    var cats = R.target_chart.categories;
    chart("chart-grades", {
      textStyle: font,
      title: { text: S.chart_grades, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 60, right: 30, top: 50, bottom: 50 },
      xAxis: { type: "category", data: cats },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: R.target_chart.current_label, type: "bar", barGap: "10%", data: R.target_chart.current,
          itemStyle: { color: "#1f3b5a" }, label: { show: true, position: "top" } },
        { name: R.target_chart.target_label, type: "bar", data: R.target_chart.target,
          itemStyle: { color: "#c9d6e3", borderColor: "#1f3b5a", borderType: "dashed" }, label: { show: true, position: "top" } }
      ]
    });
  }
  document.body.setAttribute("data-rendered", "1");
  }

  // Charts draw text on a canvas, which uses a web font only once it is loaded: wait for the
  // reports' CJK font (fonts/NotoSansCJKsc-subset.woff), at most three seconds.
  var started = false;
  function start() { if (!started) { started = true; draw(); } }
  if (R.font_family && document.fonts && document.fonts.load) {
    document.fonts.load('14px "' + R.font_family + '"', R.font_sample).then(start, start);
    setTimeout(start, 3000);
  } else {
    start();
  }
})();
