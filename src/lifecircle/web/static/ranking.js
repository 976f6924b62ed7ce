// 一张图: units ranked by on-time delivery, as an ECharts bar chart (the table holds the same).
// Text follows the page's font size, so the large-font mode enlarges the chart's words too.
(function () {
  var el = document.getElementById("chart-ranking");
  var src = document.getElementById("ranking-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var rows = JSON.parse(src.textContent).slice().reverse();  // best at the top
  if (!rows.length) { el.classList.add("empty"); el.textContent = "尚无到期项目，暂不排名。"; return; }
  function fontSize() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16; }
  function option() {
    var fs = fontSize();
    var longest = rows.reduce(function (n, r) { return Math.max(n, r.unit.length); }, 0);
    el.style.height = Math.max(160, Math.round(fs * 1.9) * rows.length + 3 * fs) + "px";
    return {
      animation: false,
      textStyle: { fontSize: fs * 0.85 },
      grid: { left: Math.round(longest * fs * 0.9) + 16, right: Math.round(fs * 3.5), top: 8, bottom: Math.round(fs * 1.8) },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", fontSize: fs * 0.8 } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.unit; }), axisLabel: { fontSize: fs * 0.85, color: "#1d1d1f" } },
      series: [{
        type: "bar",
        data: rows.map(function (r) {
          var colour = r.rate >= 90 ? "#1a7f37" : r.rate >= 60 ? "#3182bd" : "#c2261b";
          return { value: r.rate, itemStyle: { color: colour } };
        }),
        label: { show: true, position: "right", formatter: "{c}%", fontSize: fs * 0.8, color: "#1d1d1f" },
      }],
    };
  }
  var first = option();  // sets the height before the chart measures its box
  var c = echarts.init(el, null, { renderer: "canvas" });
  c.setOption(first);
  window.addEventListener("resize", function () { c.setOption(option()); c.resize(); });
})();
