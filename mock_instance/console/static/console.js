// snjwt-mock console: a little JavaScript, no build step. Pages work without it; with it,
// the live views (requests, refusals, tokens) refresh their table every few seconds.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main) { return; }
  var view = main.getAttribute("data-live");
  var body = document.getElementById("live-rows");
  if (!body) { return; }
  var busy = false;
  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch("/snjwt-mock/console/live/" + encodeURIComponent(view), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && html !== body.innerHTML) { body.innerHTML = html; } })
      .catch(function () { /* the server stopped: keep what is shown */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, 2000);
})();
