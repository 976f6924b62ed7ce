// Maps (Leaflet, no tiles: works offline) and the targets chart (ECharts) of the platform.
(function () {
  var COLOURS = { AAA: "#1a7f37", AA: "#74c476", NONE: "#e6550d", UNKNOWN: "#9e9e9e" };
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  document.querySelectorAll("div.map[data-geo]").forEach(function (el) {
    var geo = data(el.getAttribute("data-geo"));
    if (!geo || !geo.features || !geo.features.length || typeof L === "undefined") {
      el.classList.add("empty");
      el.textContent = "没有可显示的生活圈范围（尚未导入几何）。";
      return;
    }
    var link = el.getAttribute("data-link") === "1";
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    var layer = L.geoJSON(geo, {
      style: function (f) {
        return { color: "#333", weight: 1, fillColor: COLOURS[f.properties.grade] || COLOURS.UNKNOWN, fillOpacity: 0.75 };
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        var label = p.id + " " + p.name + "：" + p.grade_zh + (p.overdue ? "，逾期项目 " + p.overdue : "");
        lyr.bindTooltip(label, { sticky: true });
        if (link && p.url) {
          lyr.on("click", function () { window.location.href = p.url; });
        }
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    L.control.scale({ imperial: false }).addTo(map);
    window.addEventListener("resize", function () { map.invalidateSize(); });
  });
  var chartEl = document.getElementById("chart-targets");
  var chart = data("chart-data");
  if (chartEl && chart && typeof echarts !== "undefined") {
    var c = echarts.init(chartEl, null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: chart.labels, axisLabel: { fontSize: 14 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        type: "bar",
        data: chart.values.map(function (v, i) {
          return { value: v, itemStyle: { color: ["#1a7f37", "#74c476", "#3182bd", "#e6550d", "#a50f15"][i] } };
        }),
        label: { show: true, position: "top" },
      }],
    });
    window.addEventListener("resize", function () { c.resize(); });
  }
})();
