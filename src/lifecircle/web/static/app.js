// Light behaviour shared by every page: the ageing-friendly switches.
(function () {
  var root = document.documentElement;
  function load() {
    try { return JSON.parse(localStorage.getItem("lc-prefs") || "{}"); } catch (e) { return {}; }
  }
  function save(p) {
    try { localStorage.setItem("lc-prefs", JSON.stringify(p)); } catch (e) { /* ignore */ }
  }
  var prefs = load();
  document.querySelectorAll("button.pref").forEach(function (btn) {
    var key = btn.getAttribute("data-pref");
    btn.setAttribute("aria-pressed", prefs[key] ? "true" : "false");
    btn.addEventListener("click", function () {
      prefs[key] = !prefs[key];
      root.classList.toggle(key, prefs[key]);
      btn.setAttribute("aria-pressed", prefs[key] ? "true" : "false");
      save(prefs);
      window.dispatchEvent(new Event("resize"));
    });
  });
})();
