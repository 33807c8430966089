/* The call list: a banner when calls matching the current filters arrive.
 *
 * Every 30 s (not while the tab is hidden) it asks /calls/new.json how many calls of the
 * list's filters arrived after the newest call the page knew; the answer's ETag (the newest
 * call's id) is sent back, so while nothing arrived the server answers 304 without
 * counting. The banner (a role="status" region) only offers to show them: the page never
 * reloads under a reader. */
(function () {
  "use strict";

  var live = document.getElementById("live");
  if (!live || !window.fetch) return;
  var url = live.getAttribute("data-poll-url");
  var showUrl = live.getAttribute("data-show-url") || "?";
  var every = 30000;
  var etag = null;
  var shown = 0;
  var timer = null;

  function render(count, more) {
    if (count === shown) return;
    shown = count;
    live.replaceChildren();
    live.classList.toggle("live--on", count > 0);
    if (!count) return;
    var text = (more ? count + "+" : count) + " new call" + (count === 1 && !more ? "" : "s") + " — ";
    var link = document.createElement("a");
    link.href = showUrl;
    link.textContent = "show";
    live.append(document.createTextNode(text), link);
  }

  function schedule() {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(poll, every);
  }

  function poll() {
    timer = null;
    if (document.hidden) return;  // visibilitychange polls again when the tab is back
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    window.fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("poll " + response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (answer) {
        if (answer) render(answer["new"], answer.more);
      })
      .catch(function () {})  // offline or signed out: try again next time
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null) schedule();
  });
  schedule();
})();
