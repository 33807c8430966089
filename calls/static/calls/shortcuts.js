/* The staff pages' keyboard shortcuts: one switch to turn them off, one list of them.
 *
 * WCAG 2.1.4 (Character Key Shortcuts): a shortcut of a single key can be turned off. The
 * pages' own scripts (list.js, call.js) handle their keys plainly and already ignore keys
 * typed in a field. This script is the switch: it listens first (the capture phase of
 * window, before any listener of the document), and while the switch is off, or while this
 * list is open over the page, the keys the list marks (data-shortcut) never reach them.
 * Only the scripts' listeners are skipped: the key's default action (typing, scrolling,
 * pressing a focused button) is left alone.
 *
 * The choice is kept in localStorage ("callbook.shortcuts" = "off"); where storage is
 * blocked the shortcuts are on, and the switch still works for the page. */
(function () {
  "use strict";

  var STORAGE_KEY = "callbook.shortcuts";
  var dialog = document.getElementById("shortcuts");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var toggle = document.getElementById("shortcuts-on");
  var keys = {};
  Array.prototype.forEach.call(dialog.querySelectorAll("[data-shortcut]"), function (row) {
    keys[row.getAttribute("data-shortcut")] = true;
  });
  var on = true;
  var opener = null;

  try {
    on = window.localStorage.getItem(STORAGE_KEY) !== "off";
  } catch (error) {
    on = true;  // storage blocked: the default, for this page only
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function apply() {
    toggle.checked = on;
    // For the pages' hints ("Space play / pause"), hidden while the shortcuts are off.
    document.documentElement.setAttribute("data-shortcuts", on ? "on" : "off");
  }

  function open() {
    if (dialog.open) return;
    opener = document.activeElement;
    dialog.showModal();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  // Browsers give the focus back to the opener themselves; this is for those that do not,
  // and never takes the focus from where a key (fired before this event) has moved it.
  dialog.addEventListener("close", function () {
    var lost = !document.activeElement || document.activeElement === document.body;
    if (lost && opener && opener.focus && document.contains(opener)) opener.focus();
    opener = null;
  });
  // A click on the backdrop (the dialog itself, outside its body) closes it.
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) close();
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-shortcuts-open]"), function (button) {
    button.addEventListener("click", open);
  });
  Array.prototype.forEach.call(dialog.querySelectorAll("[data-shortcuts-close]"), function (button) {
    button.addEventListener("click", close);
  });
  toggle.addEventListener("change", function () {
    on = toggle.checked;
    try {
      if (on) window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, "off");
    } catch (error) {
      // not remembered; the page still follows the switch
    }
    apply();
  });

  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !keys[event.key]) return;
    if (isTyping(event.target)) return;  // a field's own key: the scripts ignore it too
    if (dialog.open || !on) {
      event.stopImmediatePropagation();
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      event.stopImmediatePropagation();
      open();
    }
  }, true);

  apply();
})();
