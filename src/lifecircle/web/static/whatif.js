// The what-if page: pick a category, click the map to place a new facility, and see the
// circle's indicators and grade change (computed on the server from the checkup in memory).
(function () {
  var el = document.getElementById("wi-map");
  var select = document.getElementById("wi-category");
  if (!el || !select || typeof L === "undefined" || !window.LcMaps) { return; }
  var code = el.getAttribute("data-circle");
  var statusEl = document.getElementById("wi-status");
  var resultEl = document.getElementById("wi-result");
  var listEl = document.getElementById("wi-added");
  var undoBtn = document.getElementById("wi-undo");
  var clearBtn = document.getElementById("wi-clear");
  var GRADE_ZH = { AAA: "AAA型", AA: "AA型", NONE: "未达标" };
  var STATUS_ZH = { pass: "达标", fail: "未达标", missing: "缺数据" };
  var OP = { ">=": "≥", "<=": "≤", "==": "=" };
  var names = {};
  Array.prototype.forEach.call(select.options, function (o) { names[o.value] = o.getAttribute("data-name"); });
  var map = LcMaps.newMap(el);
  var drawn = null;
  var ready = false;
  var added = [];  // {category, lon, lat, marker}
  var initial = JSON.parse(document.getElementById("wi-initial").textContent || "[]");
  var seq = 0;

  function say(text, busy) {
    statusEl.textContent = text;
    el.setAttribute("aria-busy", busy ? "true" : "false");
  }
  function fmt(v) { return v === null || v === undefined ? "—" : (Math.round(v * 10) / 10).toString(); }
  // a value with its unit ("1=已建成，0=未建成" style units are codes, not units: left out)
  function withUnit(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    return fmt(v) + (unit && unit.indexOf("=") < 0 ? " " + unit : "");
  }
  function badge(g) {
    var s = document.createElement("span");
    s.className = "badge g-" + (g || "unknown").toLowerCase();
    s.textContent = GRADE_ZH[g] || "未体检";
    return s;
  }
  function cell(tr, text, tag) {
    var c = document.createElement(tag || "td");
    if (tag === "th") { c.setAttribute("scope", "row"); }
    if (text instanceof Node) { c.appendChild(text); } else { c.textContent = text; }
    tr.appendChild(c);
    return c;
  }
  function statusSpan(s) {
    var sp = document.createElement("span");
    sp.className = "state st-" + s;
    sp.textContent = STATUS_ZH[s] || s;
    return sp;
  }

  function loadBase() {
    var cat = select.value;
    return LcMaps.getJSON("/api/v1/circles/" + encodeURIComponent(code) + "/map?category=" + encodeURIComponent(cat))
      .then(function (geo) {
        var keep = drawn !== null;
        if (drawn) { map.removeLayer(drawn.group); }
        drawn = LcMaps.draw(map, geo, { keepView: keep });
        added.forEach(function (a) { a.marker.bringToFront(); });
      });
  }

  function query() {
    var q = added.map(function (a) { return "add=" + encodeURIComponent(a.category + "@" + a.lon.toFixed(6) + "," + a.lat.toFixed(6)); });
    q.push("category=" + encodeURIComponent(select.value));
    return q.join("&");
  }

  function renderList() {
    listEl.textContent = "";
    added.forEach(function (a, i) {
      var li = document.createElement("li");
      li.textContent = names[a.category] + "（经度 " + a.lon.toFixed(5) + "，纬度 " + a.lat.toFixed(5) + "）";
      listEl.appendChild(li);
    });
    undoBtn.disabled = clearBtn.disabled = added.length === 0;
  }

  function render(r) {
    resultEl.textContent = "";
    var c = r.circle;
    var h = document.createElement("p");
    h.className = "big-text";
    h.id = "wi-grade";
    h.appendChild(document.createTextNode(c.id + " " + c.name + "：体检等级 "));
    h.appendChild(badge(c.grade_before));
    h.appendChild(document.createTextNode(" → "));
    var after = badge(c.grade_after);
    after.id = "wi-grade-after";
    after.setAttribute("data-grade", c.grade_after);
    h.appendChild(after);
    if (c.grade_before !== c.grade_after) {
      var ch = document.createElement("strong");
      ch.className = c.grade_after === "NONE" ? "warn" : "ok-text";
      ch.textContent = "（等级变化）";
      h.appendChild(ch);
    }
    resultEl.appendChild(h);
    var reason = document.createElement("p");
    reason.textContent = "定级说明：" + c.grade_reason;
    resultEl.appendChild(reason);
    var shown = c.indicators.filter(function (i) { return i.changed || i.status_after !== "pass"; });
    var rest = c.indicators.filter(function (i) { return !(i.changed || i.status_after !== "pass"); });
    var n = c.indicators.filter(function (i) { return i.changed; }).length;
    resultEl.appendChild(table("wi-indicators", "有变化或推演后仍未达标的指标（" + n + " 项有变化，列在前面）", shown));
    if (rest.length) {
      var det = document.createElement("details");
      var sum = document.createElement("summary");
      sum.textContent = "其余 " + rest.length + " 项指标达标且未变化";
      det.appendChild(sum);
      det.appendChild(table("wi-rest", "达标且未变化的指标", rest));
      resultEl.appendChild(det);
    }
    if (r.others.length) {
      var p = document.createElement("p");
      p.textContent = "其他受影响的生活圈：" + r.others.map(function (o) {
        return o.id + " " + o.name + "（" + (GRADE_ZH[o.grade_before] || "") + " → " + (GRADE_ZH[o.grade_after] || "") + "）";
      }).join("；");
      resultEl.appendChild(p);
    }
    var g = document.createElement("p");
    g.className = "muted";
    g.textContent = "全区：AAA型 " + r.grades.before.AAA + " → " + r.grades.after.AAA + " 个，AA型 " +
      r.grades.before.AA + " → " + r.grades.after.AA + " 个，未达标 " + r.grades.before.NONE + " → " +
      r.grades.after.NONE + " 个。计算用时 " + Math.round(r.seconds * 1000) + " 毫秒。" + (r.note ? r.note : "");
    resultEl.appendChild(g);
  }

  function table(id, caption, rows) {
    var t = document.createElement("table");
    t.id = id;
    var cap = document.createElement("caption");
    cap.textContent = caption;
    t.appendChild(cap);
    var thead = document.createElement("thead");
    var hr = document.createElement("tr");
    ["指标", "要求", "推演前", "推演后"].forEach(function (x) { var th = document.createElement("th"); th.setAttribute("scope", "col"); th.textContent = x; hr.appendChild(th); });
    thead.appendChild(hr);
    t.appendChild(thead);
    var tb = document.createElement("tbody");
    rows.forEach(function (i) {
      var tr = document.createElement("tr");
      if (i.changed) { tr.className = "changed"; }
      cell(tr, i.name_zh + (i.category === "constraint" ? "（约束性）" : ""), "th");
      cell(tr, (OP[i.operator] || i.operator || "") + " " + withUnit(i.threshold, i.unit));
      var b = cell(tr, withUnit(i.value_before, i.unit) + " ");
      b.appendChild(statusSpan(i.status_before));
      var a = cell(tr, withUnit(i.value_after, i.unit) + " ");
      a.appendChild(statusSpan(i.status_after));
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    return t;
  }

  function run() {
    var mine = ++seq;
    say("正在计算……", true);
    return LcMaps.getJSON("/api/v1/circles/" + encodeURIComponent(code) + "/whatif?" + query())
      .then(function (r) {
        if (mine !== seq) { return; }
        if (drawn) { LcMaps.recolour(drawn, r.compounds); }
        render(r);
        say(added.length ? "已放置 " + added.length + " 处新设施；结果如下。" : "尚未放置新设施：点击地图放置。", false);
      })
      .catch(function (e) { if (mine === seq) { say("推演失败：" + e.message, false); } });
  }

  function place(cat, lat, lon) {
    var mk = L.circleMarker([lat, lon], { radius: 9, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1, className: "lc-new-facility" })
      .bindTooltip("新增" + names[cat]).addTo(map);
    added.push({ category: cat, lon: lon, lat: lat, marker: mk });
    renderList();
  }

  var centreBtn = document.getElementById("wi-centre");
  centreBtn.addEventListener("click", function () {
    if (!ready) { return; }
    var c = map.getCenter();
    place(select.value, c.lat, c.lng);
    run();
  });
  map.on("click", function (ev) {
    if (!ready) { return; }
    place(select.value, ev.latlng.lat, ev.latlng.lng);
    run();
  });
  select.addEventListener("change", function () {
    loadBase().then(function () { if (ready) { run(); } });
  });
  undoBtn.addEventListener("click", function () {
    var a = added.pop();
    if (a) { map.removeLayer(a.marker); }
    renderList();
    run();
  });
  clearBtn.addEventListener("click", function () {
    added.forEach(function (a) { map.removeLayer(a.marker); });
    added = [];
    renderList();
    run();
  });

  function poll() {
    LcMaps.getJSON("/api/v1/whatif/status?wait=2").then(function (s) {
      if (s.state === "ready") {
        ready = true;
        centreBtn.disabled = false;
        el.setAttribute("data-ready", "1");
        initial.forEach(function (a) { if (names[a.category]) { place(a.category, a.lat, a.lon); } });
        run();
      } else if (s.state === "failed") {
        say(s.message, false);
      } else {
        say(s.message + "（已等待 " + Math.round(s.waited_s) + " 秒）", true);
        window.setTimeout(poll, 500);
      }
    }).catch(function (e) { say("无法开始推演：" + e.message, false); });
  }
  renderList();
  say("正在加载地图……", true);
  loadBase().then(poll).catch(function (e) { say("地图数据无法加载：" + e.message, false); });
})();
