// Display preferences (大字号 / 高对比度), applied before the page is drawn.
(function () {
  try {
    var p = JSON.parse(localStorage.getItem("lc-prefs") || "{}");
    if (p.large) document.documentElement.classList.add("large");
    if (p.contrast) document.documentElement.classList.add("contrast");
  } catch (e) { /* storage unavailable: defaults */ }
})();
