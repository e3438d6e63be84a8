// Contact block: the confirmation asked before a means becomes the default.
// Without JavaScript the empty star is a button of a GET form that opens a
// confirmation page; with it, the same question is asked in a Bootstrap modal and
// « Oui » posts through htmx. When the dialog closes, the focus goes back to the
// star: the new default's after « Oui », the one that was pressed after « Non » or
// Escape.
(function () {
  "use strict";

  var pressed = null; // the point id of the star that opened the dialog
  var chosen = null; // the point id confirmed by « Oui »

  function modalElement() {
    return document.getElementById("default-confirm");
  }

  function starOf(pointId) {
    return document.querySelector('[data-point="' + pointId + '"] [data-focus-key="star"]');
  }

  document.addEventListener("click", function (event) {
    var star = event.target.closest("[data-default-confirm]");
    var dialog = modalElement();
    if (!star || !dialog || !window.bootstrap) {
      return;
    }
    event.preventDefault();
    pressed = star.closest("[data-point]").dataset.point;
    chosen = null;
    var form = dialog.querySelector("[data-default-form]");
    form.action = star.dataset.url;
    dialog.querySelector('[data-slot="value"]').textContent = star.dataset.value;
    var former = star.dataset.former || "";
    dialog.querySelector('[data-slot="former"]').textContent = former;
    dialog.querySelector('[data-slot="former-wrap"]').hidden = former === "";
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  });

  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target !== modalElement()) {
      return;
    }
    var star = starOf(chosen || pressed);
    if (star) {
      star.focus();
    }
    pressed = chosen = null;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-default-form]");
    if (!form || !window.htmx) {
      return; // a plain POST, then the file page again
    }
    event.preventDefault();
    var dialog = modalElement();
    form.setAttribute("data-focus-managed", "");
    window.htmx
      .ajax("POST", form.action, {
        source: form,
        target: "#contact-block",
        swap: "outerHTML",
      })
      .then(function () {
        chosen = pressed;
        window.bootstrap.Modal.getOrCreateInstance(dialog).hide();
      });
  });
})();
