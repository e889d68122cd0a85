// Coproduce works without JavaScript; this file only adds small comforts.
(function () {
  "use strict";

  // The error summary in `root` (or `root` itself), if there is one.
  function errorSummaryIn(root) {
    if (!root || !root.querySelector) {
      return null;
    }
    if (root.matches && root.matches("[data-error-summary]")) {
      return root;
    }
    return root.querySelector("[data-error-summary]");
  }

  // Move focus to the error summary so screen reader users hear the problem
  // first (the GOV.UK Design System pattern).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = errorSummaryIn(document);
    if (summary) {
      summary.focus();
    }
  });

  // After htmx swaps in new content: focus its error summary if it has one.
  // Otherwise, if the control that had focus was swapped away (focus fell
  // back to the page), focus the new content so keyboard and screen reader
  // users keep their place.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    var summary = errorSummaryIn(root);
    if (summary) {
      summary.focus();
      return;
    }
    var active = document.activeElement;
    var lost = !active || active === document.body || !document.documentElement.contains(active);
    if (lost && root && root !== document.body && document.documentElement.contains(root)) {
      if (!root.hasAttribute("tabindex")) {
        root.setAttribute("tabindex", "-1");
      }
      root.focus();
    }
  });
})();
