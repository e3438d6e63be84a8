// Keyboard shortcuts for the agent's most frequent moves, listed in the help panel
// (« Raccourcis clavier » in the navigation bar). All use Alt+Shift, so that no
// single key does anything unexpected (WCAG 2.1.4) and typing is never caught.
// event.code, not event.key: the same physical keys on every keyboard layout.
(function () {
  "use strict";

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) {
      window.location.assign(link.href);
    }
    return Boolean(link);
  }

  function focusNote() {
    var field = document.getElementById("id_note_text");
    var tab = document.getElementById("tab-notes");
    if (!field && !tab) {
      return false;
    }
    if (!field) {
      // The bloc-notes is not shown yet: showing it loads it (app.js), then its field
      // takes the focus.
      document.addEventListener("htmx:afterSettle", function settled(event) {
        var target = event.detail && event.detail.target;
        if (target && target.id === "pane-notes") {
          document.removeEventListener("htmx:afterSettle", settled);
          var loaded = document.getElementById("id_note_text");
          if (loaded) {
            loaded.focus();
          }
        }
      });
    }
    if (tab && window.bootstrap && !tab.classList.contains("active")) {
      window.bootstrap.Tab.getOrCreateInstance(tab).show();
    }
    if (field) {
      field.focus();
    }
    return true;
  }

  var ACTIONS = {
    KeyR: function () {
      var search = document.querySelector(".app-search input[type=search]");
      if (search) {
        search.focus();
        search.select();
      }
      return Boolean(search);
    },
    KeyN: focusNote,
    KeyS: function () { return follow('.app-file-nav a[rel="next"]'); },
    KeyP: function () { return follow('.app-file-nav a[rel="prev"]'); },
    KeyL: function () { return follow(".app-file-nav a.app-nav-link"); },
    KeyC: function () {
      var block = document.getElementById("contact-block");
      if (block) {
        block.focus();
      }
      return Boolean(block);
    },
  };

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var action = ACTIONS[event.code];
    if (action && action()) {
      event.preventDefault();
    }
  });
})();
