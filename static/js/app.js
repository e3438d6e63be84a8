// Recouvrement: behaviours that need no inline script (CSP).
// Focus after an htmx update (WCAG 2.4.3): the swapped HTML replaces the control the
// agent used, and the browser would drop the focus on <body>. It is put back, in this
// order, on: an element the server marked [data-focus-here]; the same control (same
// data-focus-key or id) in the same means; the updated means; the message that says
// what happened; the heading of the updated part.
(function () {
  "use strict";

  var pending = null;

  function visible(element) {
    return Boolean(element) && element.getClientRects().length > 0 && !element.closest("details:not([open]) > :not(summary)");
  }

  function focusOn(element) {
    if (!visible(element)) {
      return false;
    }
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (source.closest("[data-focus-managed]")) {
      pending = null; // the caller puts the focus itself (the default dialog)
      return;
    }
    var active = document.activeElement;
    var control = active && active !== document.body && source.contains(active) ? active : source;
    var item = control.closest("[data-point]");
    pending = {
      active: active,
      key: control.dataset.focusKey || "",
      id: control.id || "",
      item: item ? item.dataset.point : "",
      target: event.detail.target ? event.detail.target.id : "",
    };
  });

  function restore(wanted) {
    var item = wanted.item ? document.querySelector('[data-point="' + wanted.item + '"]') : null;
    var target = wanted.target ? document.getElementById(wanted.target) : null;
    var marked = target ? target.querySelector("[data-focus-here]") : null;
    var candidates = [marked];
    if (item && wanted.key) {
      candidates.push(item.querySelector('[data-focus-key="' + wanted.key + '"]'));
    }
    if (wanted.id) {
      candidates.push(document.getElementById(wanted.id));
    }
    candidates.push(item, document.querySelector("#messages .alert"));
    if (target) {
      candidates.push(target.querySelector("h2, h3, [tabindex='-1']"));
    }
    candidates.some(function (element) { return element && focusOn(element); });
    if (marked) {
      marked.removeAttribute("data-focus-here");
    }
  }

  // The agent went on while the request ran or settled (clicked or tabbed elsewhere):
  // the focus is theirs, not put back.
  function movedOn(wanted) {
    var active = document.activeElement;
    return Boolean(active) && active !== document.body && active !== wanted.active && active.isConnected;
  }

  document.addEventListener("htmx:afterSettle", function () {
    var wanted = pending;
    pending = null;
    if (wanted && !movedOn(wanted)) {
      // After every settle task of this response (the out-of-band messages included).
      window.setTimeout(function () {
        if (!movedOn(wanted)) {
          restore(wanted);
        }
      }, 0);
    }
  });

  // Tabs of the client file: only the visible one comes with the page; another is
  // loaded the first time it is shown (click, or arrow keys in the tab list). Without
  // JavaScript each tab is a plain link to the page showing it (?onglet=…).
  document.addEventListener("show.bs.tab", function (event) {
    var selector = event.target.getAttribute("data-bs-target");
    var pane = selector ? document.querySelector(selector) : null;
    var url = pane ? pane.getAttribute("data-tab-url") : null;
    if (!url || !window.htmx) {
      return;
    }
    pane.removeAttribute("data-tab-url");
    pane.setAttribute("aria-busy", "true");
    window.htmx.ajax("GET", url, { target: pane, swap: "innerHTML" }).then(function () {
      pane.removeAttribute("aria-busy");
    }, function () {
      pane.removeAttribute("aria-busy");
      pane.setAttribute("data-tab-url", url); // a later show tries again
    });
  });

  // Menus made of <details> (the « … » of a means): Escape closes and gives the focus
  // back to the menu's button; leaving it with Tab, or a click elsewhere, closes it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = event.target.closest && event.target.closest("details.app-more[open]");
    if (menu) {
      event.preventDefault();
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details.app-more[open]");
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) {
      menu.removeAttribute("open");
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.app-more[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.removeAttribute("open");
      }
    });
  });
})();
