// « Pièces »: the confirmation asked before a piece is deleted, and the size limit
// told before a too large file is sent. Without JavaScript, « Supprimer » opens a
// confirmation page and the server refuses a file that is too large.
(function () {
  "use strict";

  var opener = null;

  document.addEventListener("submit", function (event) {
    var trigger = event.target.closest("form[data-piece-delete]");
    var dialog = document.getElementById("piece-delete-confirm");
    if (!trigger || !dialog || !window.bootstrap) {
      return;
    }
    event.preventDefault();
    var form = dialog.querySelector("[data-piece-delete-form]");
    form.action = trigger.action;
    opener = trigger.querySelector("button");
    dialog.querySelector('[data-slot="name"]').textContent = trigger.dataset.pieceName;
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  });

  // « Annuler » or Escape: the focus goes back to the « Supprimer » that opened it.
  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target.id === "piece-delete-confirm" && opener && document.contains(opener)) {
      opener.focus();
    }
    opener = null;
  });

  document.addEventListener("change", function (event) {
    var input = event.target.closest("input[type=file][data-max-size]");
    if (!input) {
      return;
    }
    var file = input.files && input.files[0];
    var tooLarge = file && file.size > Number(input.dataset.maxSize);
    input.setCustomValidity(tooLarge ? input.dataset.tooLargeMessage : "");
    input.classList.toggle("is-invalid", Boolean(tooLarge));
    var feedback = document.getElementById(input.id + "-size-error");
    if (feedback) {
      feedback.textContent = tooLarge ? input.dataset.tooLargeMessage : "";
      feedback.hidden = !tooLarge;
    }
  });
})();
