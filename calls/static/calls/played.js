/* The access record of a recording's playback: "Recording played" when it starts.
 *
 * The server cannot tell a play from a fetch: a player fetches bytes to read the length
 * (preload="metadata"), to seek, and to play. Those fetches are recorded as such
 * ("Recording fetched by a player"); this script reports the start of a playback, once
 * per start from a pause (not again when it resumes after buffering or a seek). The
 * server keeps one record per user and call within its audit window.
 *
 * Used by the call page and the admin's change page: <audio id="player"
 * data-played-url="…">, with the CSRF token in data-csrf-token or in the page's form. */
(function () {
  "use strict";

  var player = document.getElementById("player");
  if (!player || !window.fetch) return;
  var url = player.getAttribute("data-played-url");
  if (!url) return;

  function csrfToken() {
    var token = player.getAttribute("data-csrf-token");
    if (token) return token;
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var fromPause = true;
  player.addEventListener("pause", function () { fromPause = true; });
  player.addEventListener("playing", function () {
    if (!fromPause) return;
    fromPause = false;
    window.fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      keepalive: true,
    }).catch(function () {});  // offline: the fetches of the playback are still recorded
  });
})();
