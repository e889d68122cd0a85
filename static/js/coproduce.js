// Coproduce works without JavaScript; this file only adds small comforts.
// Move focus to the error summary so screen reader users hear the problem first
// (the GOV.UK Design System pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// After htmx swaps in a fragment that holds an error summary (a comment that
// could not be posted, say), move focus there too.
document.addEventListener("htmx:afterSwap", function (event) {
  var summary = event.detail.target.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
