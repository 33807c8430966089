/* The call list: its keyboard shortcuts, and a banner when calls matching the current
 * filters arrive.
 *
 * Keys: j / k move the focus to the next / previous row's link (Enter, the link's own key,
 * opens the call), / focuses the search. Never while typing in a field; shortcuts.js turns
 * them off (the footer's "Shortcuts" list has the switch).
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

(function () {
  "use strict";

  var table = document.querySelector("table.calls");
  var search = document.getElementById("id_q");

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // Each row's first link (its time) stands for the row; the snippet rows have none.
  function rowLinks() {
    return table ? Array.prototype.slice.call(table.querySelectorAll("a.calls__open")) : [];
  }

  function move(step) {
    var links = rowLinks();
    if (!links.length) return;
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("tr") : null;
    // A snippet row belongs to the call row above it.
    if (row && row.classList.contains("calls__snippet")) row = row.previousElementSibling;
    var index = -1;
    for (var i = 0; i < links.length; i++) {
      if (row && row.contains(links[i])) index = i;
    }
    var next = index < 0 ? (step > 0 ? 0 : links.length - 1) : index + step;
    if (next < 0 || next >= links.length) return;  // the ends stay put (no wrap-around)
    links[next].focus();
    links[next].closest("tr").scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();
