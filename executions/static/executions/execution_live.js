// The execution page of the admin, live: while the execution runs, ask its status every
// 2 seconds, show it, reload the coloured task graph, swap in the variables and task runs the
// server rendered, and reload the page when the waiting inquiries change (unless an answer is
// being typed); stop once it has ended.
(function () {
  "use strict";
  var POLL_MS = 2000;

  function theme() {
    // Django's admin keeps the chosen theme on <html data-theme="light|dark|auto">.
    var chosen = document.documentElement.dataset.theme;
    if (chosen === "light" || chosen === "dark") return chosen;
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    return dark ? "dark" : "light";
  }

  function refreshGraph() {
    var graph = document.getElementById("execution-graph");
    if (!graph) return;
    var base = graph.dataset.baseSrc;
    graph.src = base + "&theme=" + theme() + "&_=" + Date.now();  // a cache-buster per poll
  }

  function answerBeingTyped() {
    var fields = document.querySelectorAll("#execution-inquiries textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }

  function showLiveParts(html) {
    var parts = document.getElementById("execution-live-parts");
    if (parts && typeof html === "string") parts.innerHTML = html;
  }

  function start() {
    var console_ = document.getElementById("execution-console");
    var status = document.getElementById("execution-status");
    if (!console_ || !status) return;
    refreshGraph();  // in the theme the admin shows
    if (console_.dataset.terminal === "true") return;
    var timer = window.setInterval(function () {
      fetch(console_.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          status.textContent = body.status;
          status.dataset.status = body.status;
          refreshGraph();
          showLiveParts(body.live_parts_html);
          if (body.waiting_inquiries !== console_.dataset.inquiries && !answerBeingTyped()) {
            window.location.reload();
            return;
          }
          if (body.terminal) {
            window.clearInterval(timer);
            console_.dataset.terminal = "true";
          }
        })
        .catch(function () { /* a missed poll is retried by the next one */ });
    }, POLL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
