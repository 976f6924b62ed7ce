// 一张图: units ranked by on-time delivery, as an ECharts bar chart (the table holds the same).
(function () {
  var el = document.getElementById("chart-ranking");
  var src = document.getElementById("ranking-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var rows = JSON.parse(src.textContent).slice().reverse();  // best at the top
  if (!rows.length) { el.classList.add("empty"); el.textContent = "尚无到期项目，暂不排名。"; return; }
  el.style.height = Math.max(160, 28 * rows.length + 60) + "px";
  var c = echarts.init(el, null, { renderer: "canvas" });
  c.setOption({
    animation: false,
    grid: { left: 150, right: 56, top: 8, bottom: 28 },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: rows.map(function (r) { return r.unit; }), axisLabel: { fontSize: 13 } },
    series: [{
      type: "bar",
      data: rows.map(function (r) {
        var colour = r.rate >= 90 ? "#1a7f37" : r.rate >= 60 ? "#3182bd" : "#c2261b";
        return { value: r.rate, itemStyle: { color: colour } };
      }),
      label: { show: true, position: "right", formatter: "{c}%" },
    }],
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
