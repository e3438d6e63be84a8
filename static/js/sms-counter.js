// Live count of an SMS: characters and segments, the same rules as
// contacts/messaging/sms.py (GSM-7 160/153, extension chars count double;
// otherwise UCS-2 70/67). The server counts again before sending.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";

  function normalize(text) {
    return text.replace(/\r\n/g, "\n").replace(/[\u00a0\u202f]/g, " ")
      .replace(/\u2019/g, "'").replace(/[\u201c\u201d]/g, '"');
  }

  function count(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var units, single, multi, encoding;
    if (gsm) {
      units = chars.reduce(function (n, c) { return n + (EXTENSION.indexOf(c) >= 0 ? 2 : 1); }, 0);
      single = 160; multi = 153; encoding = "GSM-7";
    } else {
      units = text.length; // UTF-16 code units, as UCS-2 counts them
      single = 70; multi = 67; encoding = "UCS-2";
    }
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    var perSegment = segments <= 1 ? single : multi;
    return {
      characters: chars.length, segments: segments, encoding: encoding,
      remaining: segments ? segments * perSegment - units : 0
    };
  }

  function bind(textarea) {
    if (textarea.dataset.smsCounterBound) { return; }
    textarea.dataset.smsCounterBound = "1";
    var output = document.getElementById(textarea.dataset.smsCounter);
    if (!output) { return; }
    var update = function () {
      var r = count(normalize(textarea.value));
      output.textContent = r.characters + " caractères · " + r.segments + " SMS (" +
        r.encoding + ") · " + r.remaining + " restants";
    };
    textarea.addEventListener("input", update);
    update();
  }

  function bindAll(root) {
    root.querySelectorAll("textarea[data-sms-counter]").forEach(bind);
  }

  document.addEventListener("DOMContentLoaded", function () { bindAll(document); });
  // The form is swapped in place by htmx (template loaded, failed send).
  document.addEventListener("htmx:load", function (event) { bindAll(event.detail.elt); });
})();
