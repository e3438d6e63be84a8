// Contact block: the confirmation asked before a means becomes the default.
// Without JavaScript the empty star is a link to a confirmation page; with it, the
// same question is asked in a Bootstrap modal and « Oui » posts through htmx.
(function () {
  "use strict";

  function modalElement() {
    return document.getElementById("default-confirm");
  }

  document.addEventListener("click", function (event) {
    var star = event.target.closest("[data-default-confirm]");
    var dialog = modalElement();
    if (!star || !dialog || !window.bootstrap) {
      return;
    }
    event.preventDefault();
    var form = dialog.querySelector("[data-default-form]");
    form.action = star.dataset.url;
    dialog.querySelector('[data-slot="value"]').textContent = star.dataset.value;
    var former = star.dataset.former || "";
    dialog.querySelector('[data-slot="former"]').textContent = former;
    dialog.querySelector('[data-slot="former-wrap"]').hidden = former === "";
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-default-form]");
    if (!form || !window.htmx) {
      return; // a plain POST, then the file page again
    }
    event.preventDefault();
    var dialog = modalElement();
    window.htmx
      .ajax("POST", form.action, {
        source: form,
        target: "#contact-block",
        swap: "outerHTML",
      })
      .then(function () {
        window.bootstrap.Modal.getOrCreateInstance(dialog).hide();
      });
  });

  // The dots menu of a means: one open at a time, closed by a click elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.app-more[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.removeAttribute("open");
      }
    });
  });
})();
