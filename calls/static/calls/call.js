/* The call page: player controls and shortcuts, the transcript in time (click a line's
 * time to hear it, follow along, links to a moment, the speaker timeline), and search
 * within the transcript.
 *
 * The transcript is rendered once by the server; this script never parses markup. It keeps
 * each message's original text, and highlights by rebuilding only the messages that match
 * (text nodes and <mark> elements made with createElement/createTextNode), restoring the
 * previous matches with textContent. */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  /* ---- Player ---------------------------------------------------------------------- */
  var player = document.getElementById("player");
  if (player) {
    var speed = document.querySelector("[data-player-speed]");
    var setRate = function () {
      var rate = parseFloat(speed.value);
      if (rate >= 0.5 && rate <= 2) {
        player.defaultPlaybackRate = rate;
        player.playbackRate = rate;
      }
    };
    if (speed) {
      speed.addEventListener("change", setRate);
      player.addEventListener("loadedmetadata", setRate);
    }
    var seekBy = function (seconds) {
      var end = isFinite(player.duration) ? player.duration : Infinity;
      player.currentTime = Math.max(0, Math.min(end, player.currentTime + seconds));
    };
    Array.prototype.forEach.call(document.querySelectorAll("[data-player-seek]"), function (btn) {
      btn.addEventListener("click", function () {
        seekBy(parseFloat(btn.getAttribute("data-player-seek")));
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      var target = event.target;
      if (isTyping(target) || target === player) return;
      if (event.key === " " || event.key === "Spacebar") {
        // Space on a focused button or link keeps its own meaning.
        if (target.closest && target.closest("button, a, summary")) return;
        event.preventDefault();
        if (player.paused) {
          var played = player.play();
          if (played && played.catch) played.catch(function () {});
        } else {
          player.pause();
        }
      } else if (event.key === "ArrowLeft") {
        event.preventDefault();
        seekBy(-5);
      } else if (event.key === "ArrowRight") {
        event.preventDefault();
        seekBy(5);
      }
    });
  }

  /* The sticky player's height (app.css: --player-stuck): the transcript search sticks
   * under it, and a message scrolled to stops below both (scroll-margin-top). */
  var playerCard = document.querySelector(".player--sticky");
  if (playerCard && window.ResizeObserver) {
    new window.ResizeObserver(function () {
      document.documentElement.style.setProperty("--player-stuck", playerCard.offsetHeight + "px");
    }).observe(playerCard);
  }

  /* ---- The transcript in time ------------------------------------------------------
   * Timed lines (li.msg[data-start]) carry their start in ms. Their starts are read
   * once, sorted; the line being spoken is found by binary search, and only a change of
   * line touches the page (two class changes: the old line's and the new one's). */
  var conversation = document.getElementById("conversation");
  var timeline = document.getElementById("timeline");
  var playhead = document.getElementById("timeline-playhead");
  var follow = document.getElementById("follow-along");
  var LEAD_SECONDS = 1;  // a line plays from a second before it starts
  var FOLLOW_KEY = "callbook.followAlong";

  var lines = conversation
    ? Array.prototype.map.call(conversation.querySelectorAll("li.msg[data-start]"), function (el, i) {
        return { el: el, start: parseInt(el.getAttribute("data-start"), 10) / 1000, order: i };
      })
    : [];
  lines.sort(function (a, b) { return a.start - b.start || a.order - b.order; });
  var starts = lines.map(function (line) { return line.start; });

  function clock(seconds) {
    var whole = Math.floor(seconds);
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = whole % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : two(m) + ":" + two(s);
  }

  function seconds(value) {
    return String(Math.round(value * 10) / 10);
  }

  // The last line (by start) that started at or before t; -1 before the first.
  function lineAt(t) {
    var low = 0;
    var high = starts.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (starts[middle] <= t) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /* "#m<MessageId>", "#t=83" (seconds; also 1:23 and 1:02:03), or both: "#m12&t=83". */
  function parseTime(text) {
    text = text.split(",")[0];
    if (!/^\d+(?::\d{1,2}){0,2}(?:\.\d+)?$/.test(text)) return null;
    return text.split(":").reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
  }
  function askedFor() {
    var asked = { message: null, time: null };
    window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var message = /^m(\d+)$/.exec(part);
      if (message) {
        var el = document.getElementById("m" + message[1]);
        if (el && conversation && conversation.contains(el)) asked.message = el;
      }
      var time = /^t=(.+)$/.exec(part);
      if (time) asked.time = parseTime(decodeURIComponent(time[1]));
    });
    return asked;
  }

  // The message a link names, marked and announced as current (aria-current); only one
  // line is ever current: the spoken line takes it over while the recording plays.
  var target = null;
  var spoken = null;
  function unmarkTarget() {
    if (!target) return;
    target.removeAttribute("aria-current");
    target.classList.remove("msg--target");
    target = null;
  }

  // Scroll to a message at once (not smoothly), then again on the next frames until it
  // stays put: messages off screen have an estimated height (content-visibility).
  var settling = 0;
  function settleOn(message) {
    var token = ++settling;
    var frames = 0;
    var stable = 0;
    var cancelled = false;
    var cancel = function () { cancelled = true; };  // the reader scrolls: leave it to them
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (type) {
      window.addEventListener(type, cancel, { once: true, passive: true });
    });
    var step = function () {
      if (cancelled || token !== settling) return;
      var box = message.getBoundingClientRect();
      var off = Math.abs(box.top + box.height / 2 - window.innerHeight / 2);
      if (off > 24 && box.height < window.innerHeight) {
        message.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
        stable = 0;
      } else {
        stable += 1;
      }
      frames += 1;
      if (stable < 3 && frames < 60) window.requestAnimationFrame(step);
    };
    // Every message drawn once, so the heights above the message are real, not estimated;
    // "auto" intrinsic sizes remember them after the class is gone.
    conversation.classList.add("is-anchoring");
    message.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    window.requestAnimationFrame(function () {
      conversation.classList.remove("is-anchoring");
      step();
    });
  }

  // The reader scrolled a moment ago: following does not pull the page from under them.
  var readerScrolled = 0;
  ["wheel", "touchmove"].forEach(function (type) {
    window.addEventListener(type, function () { readerScrolled = Date.now(); }, { passive: true });
  });
  // What sticks at the top of the screen (the player, the transcript search) hides a line
  // under it: a line above its lower edge is out of view.
  var stuckSearch = document.querySelector(".tsearch");
  function coveredTop() {
    return Math.max(72, stuckSearch ? stuckSearch.getBoundingClientRect().bottom + 8 : 0);
  }
  function keepInView(el) {
    if (!follow || !follow.checked || Date.now() - readerScrolled < 4000) return;
    var box = el.getBoundingClientRect();
    if (box.top < coveredTop() || box.bottom > window.innerHeight - 24) {
      el.scrollIntoView({ block: "center", inline: "nearest", behavior: "smooth" });
    }
  }

  function markSpoken(el) {
    if (el === spoken) return;
    if (spoken) {
      spoken.classList.remove("msg--spoken");
      spoken.removeAttribute("aria-current");
    }
    spoken = el;
    if (!el) return;
    if (target && target !== el) unmarkTarget();
    el.classList.add("msg--spoken");
    el.setAttribute("aria-current", "true");
    keepInView(el);
  }

  var left = timeline ? parseFloat(timeline.getAttribute("data-left")) : 0;
  var right = timeline ? parseFloat(timeline.getAttribute("data-right")) : 0;
  var span = timeline ? parseFloat(timeline.getAttribute("data-duration")) / 1000 : 0;
  function update(t) {
    if (lines.length) {
      var index = lineAt(t);
      markSpoken(index >= 0 ? lines[index].el : null);
    }
    if (playhead && span > 0) {
      var x = String(left + (Math.min(t, span) / span) * (right - left));
      playhead.setAttribute("x1", x);
      playhead.setAttribute("x2", x);
    }
  }

  function seekTo(t, play) {
    if (!player) return;
    var to = Math.max(0, t);
    var apply = function () {
      player.currentTime = isFinite(player.duration) ? Math.min(to, player.duration) : to;
      update(player.currentTime);
    };
    if (player.readyState >= 1) {
      apply();
    } else {
      player.addEventListener("loadedmetadata", apply, { once: true });
      if (!play) player.load();
    }
    if (play) {
      var played = player.play();
      if (played && played.catch) played.catch(function () {});
    }
  }

  function lineStart(el) {
    var start = el ? el.getAttribute("data-start") : null;
    return start === null ? null : parseInt(start, 10) / 1000;
  }

  function markTarget() {
    unmarkTarget();
    var asked = askedFor();
    var line = asked.message;
    if (asked.time !== null) {
      if (!line && lines.length) {
        var index = lineAt(asked.time);
        line = index >= 0 ? lines[index].el : null;
      }
      seekTo(asked.time, false);
    }
    if (!line) return;
    if (spoken && spoken !== line) markSpoken(null);
    if (line !== spoken) {
      target = line;
      target.setAttribute("aria-current", "true");
      target.classList.add("msg--target");
    }
    settleOn(line);
  }

  if (player) {
    var ticking = false;
    var tick = function () {
      update(player.currentTime);
      if (!player.paused && !player.ended) {
        window.requestAnimationFrame(tick);
      } else {
        ticking = false;
      }
    };
    player.addEventListener("play", function () {
      if (!ticking) {
        ticking = true;
        window.requestAnimationFrame(tick);
      }
    });
    ["seeked", "timeupdate"].forEach(function (type) {
      player.addEventListener(type, function () { update(player.currentTime); });
    });
    if (conversation) {
      conversation.addEventListener("click", function (event) {
        var button = event.target.closest ? event.target.closest(".msg__seek") : null;
        if (!button) return;
        seekTo(lineStart(button.closest(".msg")) - LEAD_SECONDS, true);
      });
    }
    if (timeline) {
      timeline.addEventListener("click", function (event) {
        var segment = event.target.closest ? event.target.closest(".timeline__segment") : null;
        if (!segment) return;
        event.preventDefault();
        seekTo(parseInt(segment.getAttribute("data-start"), 10) / 1000 - LEAD_SECONDS, true);
      });
    }
  }

  // The toggle remembers its state; a browser that refuses storage keeps the default.
  function remembered(write) {
    try {
      return write ? window.localStorage.setItem(FOLLOW_KEY, write) : window.localStorage.getItem(FOLLOW_KEY);
    } catch (refused) {
      window.console.info("Follow along is not remembered here:", refused.name);
      return null;
    }
  }
  if (follow) {
    if (remembered() === "off") follow.checked = false;
    follow.addEventListener("change", function () {
      remembered(follow.checked ? "on" : "off");
      if (follow.checked && spoken) keepInView(spoken);
    });
  }

  /* Links: the clipboard where the browser allows it (https or localhost), else the
     address bar shows the link to copy. Either way it is announced. */
  function copyLink(hash, status, copiedText, barText) {
    var url = window.location.origin + window.location.pathname + hash;
    var announce = function (text) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    };
    var fallback = function () {
      window.history.replaceState(null, "", hash);
      markTarget();
      announce(barText);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { announce(copiedText); }, fallback);
    } else {
      fallback();
    }
  }
  var copyMoment = document.getElementById("copy-moment");
  if (copyMoment && player) {
    copyMoment.addEventListener("click", function () {
      copyLink(
        "#t=" + seconds(player.currentTime),
        document.getElementById("moment-status"),
        "Link at " + clock(player.currentTime) + " copied.",
        "The link at " + clock(player.currentTime) + " is in the address bar."
      );
    });
  }

  window.addEventListener("hashchange", function () {
    markTarget();
    if (typeof onTargetChanged === "function") onTargetChanged();
  });
  var onTargetChanged = null;

  /* ---- Transcript search ----------------------------------------------------------- */
  var input = document.getElementById("tsearch-input");
  if (!input || !conversation) {
    markTarget();
    return;
  }
  var status = document.getElementById("tsearch-status");
  var prev = document.getElementById("tsearch-prev");
  var next = document.getElementById("tsearch-next");

  var items = Array.prototype.slice.call(conversation.querySelectorAll(".msg__text"));
  var texts = items.map(function (el) { return el.textContent; });
  var marked = [];
  var hits = [];
  var current = -1;
  var timer = null;

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function clearHighlights() {
    for (var i = 0; i < marked.length; i++) items[marked[i]].textContent = texts[marked[i]];
    marked = [];
    hits = [];
    current = -1;
  }

  function setStatus(text) {
    status.textContent = text;
    prev.disabled = next.disabled = hits.length === 0;
  }

  function highlight(pattern) {
    for (var i = 0; i < texts.length; i++) {
      var text = texts[i];
      pattern.lastIndex = 0;
      var match = pattern.exec(text);
      if (!match) continue;
      var fragment = document.createDocumentFragment();
      var last = 0;
      while (match) {
        if (match.index > last) fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
        var mark = document.createElement("mark");
        mark.className = "hit";
        mark.textContent = match[0];
        fragment.appendChild(mark);
        hits.push(mark);
        last = match.index + match[0].length;
        match = pattern.exec(text);
      }
      if (last < text.length) fragment.appendChild(document.createTextNode(text.slice(last)));
      items[i].replaceChildren(fragment);
      marked.push(i);
    }
  }

  function show(index, scroll) {
    if (!hits.length) return;
    if (current >= 0) hits[current].classList.remove("hit--current");
    current = (index + hits.length) % hits.length;
    var hit = hits[current];
    hit.classList.add("hit--current");
    if (scroll !== false) hit.scrollIntoView({ block: "center", inline: "nearest" });
    var start = lineStart(hit.closest(".msg"));
    setStatus(
      (current + 1).toLocaleString() + " of " + hits.length.toLocaleString() +
      (start === null ? "" : " · " + clock(start))
    );
  }

  // Enter on a match: the player goes there too when the match's line is timed.
  function seekToMatch() {
    if (current < 0 || !player) return;
    var start = lineStart(hits[current].closest(".msg"));
    if (start !== null) seekTo(start - LEAD_SECONDS, false);
  }

  function firstHitIn(message) {
    for (var i = 0; i < hits.length; i++) if (message.contains(hits[i])) return i;
    return -1;
  }

  function search() {
    timer = null;
    clearHighlights();
    var query = input.value;
    if (!query.trim()) {
      setStatus("");
      return;
    }
    highlight(new RegExp(escapeRegExp(query), "giu"));
    if (!hits.length) {
      setStatus("No matches");
    } else if (target && firstHitIn(target) >= 0) {
      // Opened at a message: its match is the current one, and the message stays in view.
      show(firstHitIn(target), false);
    } else {
      show(0, !target);
    }
  }

  function searchNow() {
    if (timer !== null) {
      clearTimeout(timer);
      search();
    }
  }

  input.addEventListener("input", function () {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (timer !== null) {
        searchNow();
      } else {
        show(current + (event.shiftKey ? -1 : 1));
      }
      seekToMatch();
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      if (timer !== null) clearTimeout(timer);
      search();
    }
  });
  prev.addEventListener("click", function () { searchNow(); show(current - 1); });
  next.addEventListener("click", function () { searchNow(); show(current + 1); });

  // Opened from the list's search (?q=…#m…): the transcript search is filled in, and the
  // message the link names is marked and scrolled into view.
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked && !input.value) input.value = asked.slice(0, 200);
  markTarget();
  onTargetChanged = function () {
    if (target && hits.length && firstHitIn(target) >= 0) show(firstHitIn(target), false);
  };

  // Text typed (or restored by the browser) before this script ran is searched now.
  if (input.value) search();

  /* "Copy link to this message", with its time when it has one (#m<id>&t=83.4). */
  var copied = document.getElementById("copy-status");
  conversation.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".msg__copy") : null;
    if (!button) return;
    var message = button.closest(".msg");
    var start = lineStart(message);
    copyLink(
      "#" + message.id + (start === null ? "" : "&t=" + seconds(start)),
      copied,
      "Link to this message copied.",
      "The link to this message is in the address bar."
    );
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
})();
