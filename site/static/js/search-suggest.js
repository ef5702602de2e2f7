/* Search-as-you-type for every form.search-box[data-suggest-url]: lesson and resource titles under the box.
 * No libraries (the list is lib/combobox.js). Typing waits a moment before asking; a newer answer replaces an
 * older one; arrows, Enter and Escape work on a keyboard, a tap picks a title and searches for it. Offline or
 * on any error the list simply does not appear, and the form works as a plain search without this file. */
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var url = form.getAttribute("data-suggest-url");
    if (!input || !list || !url || !window.fetch) return;

    var asked = "";
    var box = window.Kexiang.combobox(input, list, {
      ask: ask,
      choose: choose,
      closedKey: function (event) {
        if (event.key === "ArrowDown" && input.value.trim()) { asked = ""; ask(); }
      }
    });

    function show(suggestions, prefix) {
      if (document.activeElement !== input) { box.hide(); return; }
      box.show(suggestions.length, function (option, i) {
        option.setAttribute("data-value", suggestions[i]);
        window.Kexiang.combobox.mark(option, suggestions[i], prefix);
      });
    }

    function choose(option) {
      input.value = option.getAttribute("data-value");
      box.hide();
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    function ask() {
      var prefix = box.query();
      if (!prefix) {
        asked = "";
        box.hide();
        return;
      }
      if (prefix === asked && box.isOpen()) return;
      asked = prefix;
      box.fetch(url, "q=" + encodeURIComponent(prefix), function (data) {
        var suggestions = (data && Array.isArray(data.suggestions)) ? data.suggestions : [];
        show(suggestions.filter(function (s) { return typeof s === "string" && s; }), prefix);
      });
    }

    form.addEventListener("submit", box.cancel);
  }

  function start() {
    var forms = document.querySelectorAll("form.search-box[data-suggest-url]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
