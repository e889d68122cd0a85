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
  // An address with a #fragment (a GET form that leads to its results
  // further down, as the search for a member on a decision page) scrolls
  // there after DOMContentLoaded, and the browser moves focus back to the
  // page: give it to the error summary again, unless the person has moved on.
  window.addEventListener("load", function () {
    var summary = errorSummaryIn(document);
    if (summary && window.location.hash && document.activeElement === document.body) {
      summary.focus();
    }
  });

  // An error summary link moves to its field with the question in view: the
  // legend of a group of radios, checkboxes or date boxes (when it fits in
  // half the window with the field), otherwise the field's label, at the top
  // of the window, and focus on the field (the GOV.UK error summary's
  // behaviour). Without JavaScript the link still leads to the field.
  function questionFor(input) {
    var fieldset = input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    if (legend) {
      if (input.type === "radio" || input.type === "checkbox") {
        return legend;
      }
      var box = input.getBoundingClientRect();
      if (box.height && box.top + box.height - legend.getBoundingClientRect().top < window.innerHeight / 2) {
        return legend;
      }
    }
    return (input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]')) ||
      input.closest("label");
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var input = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!input) {
      return;
    }
    var question = questionFor(input);
    if (!question) {
      return;
    }
    event.preventDefault();
    question.scrollIntoView({ behavior: "instant", block: "start" });
    input.focus({ preventScroll: true });
  });

  // A data table wider than the screen (at 400% zoom, or with large text)
  // scrolls inside its .table-wrap box. Make that box a named region that
  // keyboard users can focus and scroll with the arrow keys, and say above
  // it that it scrolls; a table that fits is left alone, so it adds no extra
  // Tab stop.
  var tableNumber = 0;
  function labelScrollingTables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll(".table-wrap"), function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var hint = document.createElement("p");
        hint.className = "table-wrap__hint";
        hint.textContent = "The table is wider than the screen: scroll sideways to see all of it.";
        box.parentNode.insertBefore(hint, box);
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("data-scroll-label", "yes");
        if (caption) {
          if (!caption.id) {
            tableNumber += 1;
            caption.id = "table-caption-" + tableNumber;
          }
          box.setAttribute("aria-labelledby", caption.id);
        } else {
          box.setAttribute("aria-label", "Table");
        }
      } else if (!scrolls && box.getAttribute("data-scroll-label") === "yes") {
        var before = box.previousElementSibling;
        if (before && before.classList.contains("table-wrap__hint")) {
          before.remove();
        }
        ["tabindex", "role", "aria-labelledby", "aria-label", "data-scroll-label"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelScrollingTables(document); });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () { labelScrollingTables(document); }, 150);
  });
  document.addEventListener("htmx:afterSettle", function (event) { labelScrollingTables(event.target); });

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

  // Conditional reveal (the GOV.UK pattern): an element marked
  // data-reveal-when="ID" shows only while the checkbox or radio with that
  // id is checked, and that control says so to screen readers
  // (aria-controls; aria-expanded on checkboxes). An element showing an error message
  // stays in view. Without JavaScript the element always shows, with a hint
  // that says when to answer it.
  function syncReveal(box) {
    var control = document.getElementById(box.getAttribute("data-reveal-when"));
    if (!control) {
      return;
    }
    if (box.id && control.getAttribute("aria-controls") !== box.id) {
      control.setAttribute("aria-controls", box.id);
    }
    var shown = control.checked || box.querySelector(".error-message") !== null;
    box.hidden = !shown;
    // A checkbox says whether it is open; ARIA allows aria-expanded on
    // checkboxes but not on radios (GOV.UK dropped it there for that reason).
    if (control.type === "checkbox") {
      control.setAttribute("aria-expanded", shown ? "true" : "false");
    }
  }
  function syncReveals(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-reveal-when]"), syncReveal);
  }
  document.addEventListener("DOMContentLoaded", function () { syncReveals(document); });
  // A page shown again (Back) may have its boxes ticked as they were left.
  window.addEventListener("pageshow", function () { syncReveals(document); });
  // Any change may check or uncheck a control (choosing one radio unchecks
  // the others of its group), so every revealed element is looked at again.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.matches && event.target.matches("input[type=checkbox], input[type=radio]")) {
      syncReveals(document);
    }
  });
  document.addEventListener("htmx:afterSettle", function () { syncReveals(document); });
})();
