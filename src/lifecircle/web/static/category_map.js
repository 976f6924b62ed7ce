// The circle page's map by facility category: a selector, the map, residents per band.
(function () {
  var el = document.getElementById("cm-map");
  var select = document.getElementById("cm-category");
  if (!el || !select || typeof L === "undefined" || !window.LcMaps) { return; }
  var code = el.getAttribute("data-circle");
  var summary = document.getElementById("cm-summary");
  var tbody = document.querySelector("#cm-table tbody");
  var map = LcMaps.newMap(el);
  var drawn = null;

  function fill(meta) {
    var r = Math.round(meta.radius_m);
    summary.textContent = meta.category_zh + "：" +
      (meta.indicator ? "指标“" + meta.indicator + "”，" : "") +
      (meta.radius_given ? "服务半径 " + r + " 米" : "指标未规定服务半径，按 " + r + " 米着色") +
      "；本圈 " + meta.compounds + " 个小区。" +
      (meta.service_area ? "" : "体检只为有生活圈未达标的类别绘制服务范围，本类没有。");
    tbody.textContent = "";
    meta.bands.forEach(function (b) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.setAttribute("scope", "row");
      var sw = document.createElement("span");
      sw.className = "sw band-" + b.band;
      sw.setAttribute("aria-hidden", "true");
      th.appendChild(sw);
      th.appendChild(document.createTextNode(b.label));
      var td1 = document.createElement("td");
      td1.textContent = b.residents.toLocaleString("zh-CN") + " 人";
      var td2 = document.createElement("td");
      td2.textContent = b.share === null ? "—" : b.share + "%";
      tr.appendChild(th); tr.appendChild(td1); tr.appendChild(td2);
      tbody.appendChild(tr);
    });
  }

  function load() {
    var cat = select.value;
    el.setAttribute("aria-busy", "true");
    LcMaps.getJSON("/api/v1/circles/" + encodeURIComponent(code) + "/map?category=" + encodeURIComponent(cat))
      .then(function (geo) {
        if (drawn) { map.removeLayer(drawn.group); }
        drawn = LcMaps.draw(map, geo);
        fill(geo.meta);
        el.setAttribute("aria-busy", "false");
        el.setAttribute("data-category", cat);
      })
      .catch(function (e) {
        summary.textContent = "地图数据无法加载：" + e.message;
        el.setAttribute("aria-busy", "false");
      });
  }
  select.addEventListener("change", load);
  load();
})();
