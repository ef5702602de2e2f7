/* Search-as-you-type for every form.search-box[data-suggest-url]: lesson and resource titles under the box.
 * No libraries. Typing waits a moment before asking; a newer answer replaces an older one; arrows, Enter
 * and Escape work on a keyboard, a tap picks a title and searches for it. Offline or on any error the list
 * simply does not appear, and the form works as a plain search without this file. */
(function () {
  "use strict";

  var DELAY_MS = 200;
  var MAX_LENGTH = 50;

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var url = form.getAttribute("data-suggest-url");
    if (!input || !list || !url || !window.fetch) return;

    var timer = null;
    var controller = null;
    var items = [];
    var active = -1;
    var asked = "";

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");

    function hide() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function mark(option, text, prefix) {
      var at = text.indexOf(prefix);
      if (!prefix || at < 0) {
        option.textContent = text;
        return;
      }
      var strong = document.createElement("strong");
      strong.textContent = text.slice(at, at + prefix.length);
      option.appendChild(document.createTextNode(text.slice(0, at)));
      option.appendChild(strong);
      option.appendChild(document.createTextNode(text.slice(at + prefix.length)));
    }

    function show(suggestions, prefix) {
      hide();
      if (!suggestions.length || document.activeElement !== input) return;
      suggestions.forEach(function (text, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-value", text);
        mark(option, text, prefix);
        list.appendChild(option);
        items.push(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = index;
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.getAttribute("data-value");
      hide();
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    function ask() {
      var prefix = input.value.trim().slice(0, MAX_LENGTH);
      if (!prefix) {
        asked = "";
        hide();
        return;
      }
      if (prefix === asked && !list.hidden) return;
      asked = prefix;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(prefix);
      fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (prefix !== input.value.trim().slice(0, MAX_LENGTH)) return; // the teacher typed on
          var suggestions = (data && Array.isArray(data.suggestions)) ? data.suggestions : [];
          show(suggestions.filter(function (s) { return typeof s === "string" && s; }), prefix);
        })
        .catch(function () { /* offline, aborted or a bad answer: no list, the plain search still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) {
        if (event.key === "ArrowDown" && input.value.trim()) { asked = ""; ask(); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        hide();
      }
    });

    // Pressing on an option must not blur the box first (which would close the list before the tap lands).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest ? event.target.closest("[role=option]") : null;
      if (option) choose(option);
    });

    input.addEventListener("blur", function () {
      setTimeout(function () { if (document.activeElement !== input) hide(); }, 150);
    });

    form.addEventListener("submit", function () {
      clearTimeout(timer);
      if (controller) controller.abort();
      hide();
    });
  }

  function start() {
    var forms = document.querySelectorAll("form.search-box[data-suggest-url]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
