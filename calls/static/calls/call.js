/* The call page: player controls and shortcuts, and search within the transcript.
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

  /* ---- Transcript search ----------------------------------------------------------- */
  var input = document.getElementById("tsearch-input");
  var conversation = document.getElementById("conversation");
  if (!input || !conversation) return;
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
    setStatus((current + 1).toLocaleString() + " of " + hits.length.toLocaleString());
  }

  /* The message a link names (#m<MessageId>): marked, announced as current, in view. */
  var target = null;
  function targetMessage() {
    var match = /^#m(\d+)$/.exec(window.location.hash);
    var message = match ? document.getElementById("m" + match[1]) : null;
    return message && conversation.contains(message) ? message : null;
  }
  function markTarget() {
    if (target) {
      target.removeAttribute("aria-current");
      target.classList.remove("msg--target");
    }
    target = targetMessage();
    if (!target) return;
    target.setAttribute("aria-current", "true");
    target.classList.add("msg--target");
    settleOn(target);
  }

  // Scroll to a message at once (not smoothly), then again on the next frames until it
  // stays put: messages off screen have an estimated height (content-visibility).
  function settleOn(message) {
    var frames = 0;
    var stable = 0;
    var cancelled = false;
    var cancel = function () { cancelled = true; };  // the reader scrolls: leave it to them
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (type) {
      window.addEventListener(type, cancel, { once: true, passive: true });
    });
    var step = function () {
      if (cancelled || message !== target) return;
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
  window.addEventListener("hashchange", function () {
    markTarget();
    if (target && hits.length && firstHitIn(target) >= 0) show(firstHitIn(target), false);
  });

  // Text typed (or restored by the browser) before this script ran is searched now.
  if (input.value) search();

  /* "Copy link to this message": the clipboard where the browser allows it (https or
     localhost), else the address bar shows the link to copy. Either way it is announced. */
  var copied = document.getElementById("copy-status");
  conversation.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".msg__copy") : null;
    if (!button) return;
    var message = button.closest(".msg");
    var url = window.location.origin + window.location.pathname + "#" + message.id;
    var announce = function (text) {
      copied.textContent = "";
      window.setTimeout(function () { copied.textContent = text; }, 50);
    };
    var fallback = function () {
      window.history.replaceState(null, "", "#" + message.id);
      markTarget();
      announce("The link to this message is in the address bar.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () {
        announce("Link to this message copied.");
      }, fallback);
    } else {
      fallback();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
})();
