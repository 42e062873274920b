// Dashboards: draw the Plotly figure of each [data-chart] (JSON in the attribute, never an inline
// script: the Content-Security-Policy forbids them) and follow a click on a bar or point to the
// drill-down link the server gave for that value ([data-drill]: value -> link).
(function () {
  "use strict";

  function draw(el) {
    if (!window.Plotly || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var figure = JSON.parse(el.dataset.chart);
    var links = JSON.parse(el.dataset.drill || "{}");
    window.Plotly.newPlot(el, figure.data, figure.layout || {}, {
      displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"]
    }).then(function () {
      el.dataset.rendered = "1";
      el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        var link = point && links[String(point.x)];
        if (link) window.location.assign(link);
      });
    });
  }

  function drawAll(root) {
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
