// The cockpit's charts (templates/cockpit/cockpit.html): Chart.js draws the figures the page
// also shows as tables. Readable without colour: each series has its own marker shape and
// line dash (bars a hatch pattern), the target is a labelled dashed line, and a click on a
// point or bar opens the orders grid filtered to the orders behind it.
(function () {
  "use strict";
  var COLOURS = ["#1f5fbf", "#c2410c", "#15803d", "#7c3aed"];
  var MARKERS = ["circle", "triangle", "rect", "crossRot"];
  var DASHES = [[], [6, 3], [2, 2], [8, 2, 2, 2]];
  var TARGET_DASHES = [[4, 4], [1, 3]];

  function hatch(colour, index) {
    // A small tile with diagonal, horizontal or dotted marks: bars differ by more than hue.
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var c = tile.getContext("2d");
    c.fillStyle = colour;
    c.globalAlpha = 0.35;
    c.fillRect(0, 0, 8, 8);
    c.globalAlpha = 1;
    c.strokeStyle = colour;
    c.lineWidth = 2;
    c.beginPath();
    if (index % 3 === 0) { c.moveTo(0, 8); c.lineTo(8, 0); }
    else if (index % 3 === 1) { c.moveTo(0, 4); c.lineTo(8, 4); }
    else { c.arc(4, 4, 1.5, 0, 2 * Math.PI); }
    c.stroke();
    return c.createPattern(tile, "repeat");
  }

  function draw(canvas, spec) {
    var datasets = spec.series.map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: s.label,
        data: s.values,
        urls: s.urls,
        borderColor: colour,
        backgroundColor: spec.kind === "bar" ? hatch(colour, i) : colour,
        borderWidth: spec.kind === "bar" ? 1.5 : 2,
        borderDash: DASHES[i % DASHES.length],
        pointStyle: MARKERS[i % MARKERS.length],
        pointRadius: 5,
        pointHoverRadius: 7,
        spanGaps: true,
        type: spec.kind
      };
    });
    // Amazon's targets (cockpit/targets.py): grey lines, each with its own dash.
    spec.targets.forEach(function (target, i) {
      datasets.push({
        label: target.label + ": Amazon's target (" + target.value + " %)",
        data: spec.labels.map(function () { return target.value; }),
        type: "line",
        borderColor: "#555",
        borderDash: TARGET_DASHES[i % TARGET_DASHES.length],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false
      });
    });
    var chart = new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: true },
        scales: {
          x: { stacked: spec.stacked },
          y: { stacked: spec.stacked, beginAtZero: true, title: { display: !!spec.unit, text: spec.unit } }
        },
        plugins: { legend: { labels: { usePointStyle: true } } },
        onHover: function (event, elements) {
          canvas.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) { return; }
          var hit = elements[0];
          var urls = chart.data.datasets[hit.datasetIndex].urls;
          if (urls && urls[hit.index]) { window.location.assign(urls[hit.index]); }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  function init() {
    var source = document.getElementById("cockpit-data");
    if (!source || !window.Chart) { return; }
    var specs = JSON.parse(source.textContent);
    specs.forEach(function (spec) {
      var canvas = document.querySelector('canvas[data-chart="' + spec.key + '"]');
      if (canvas) { draw(canvas, spec); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
