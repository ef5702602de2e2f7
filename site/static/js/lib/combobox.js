/* The ARIA combobox of search-suggest.js and chapter-picker.js: a text input with a list of options under it
   (role=listbox). Typing waits a moment before asking; a newer answer replaces an older one. Arrows move
   through the options, Enter picks, Escape closes, a tap picks; the caller asks for the options and says what
   picking one does. No libraries.

   var box = Kexiang.combobox(input, list, { ask: function () {…}, choose: function (option) {…} });
   box.fetch(url, "q=…", function (data) {…}); box.show(count, function (option, i) {…fill it…});
   box.hide(); box.isOpen(); box.query(); box.cancel();
   Kexiang.combobox.mark(parent, text, query) writes text with the query in it in <strong>. */
(function () {
  "use strict";

  var Kexiang = window.Kexiang = window.Kexiang || {};
  var DELAY_MS = 200;
  var MAX_LENGTH = 50;

  function mark(parent, text, query) {
    var at = query ? text.indexOf(query) : -1;
    if (at < 0) {
      parent.appendChild(document.createTextNode(text));
      return;
    }
    var strong = document.createElement("strong");
    strong.textContent = text.slice(at, at + query.length);
    parent.appendChild(document.createTextNode(text.slice(0, at)));
    parent.appendChild(strong);
    parent.appendChild(document.createTextNode(text.slice(at + query.length)));
  }

  // options.ask(): the viewer stopped typing. options.choose(option): an option was picked.
  // options.closedKey(event): a key pressed while no list shows. options.enterPicksFirst: Enter with nothing
  // highlighted picks the first option (otherwise Enter is left to the form).
  Kexiang.combobox = function (input, list, options) {
    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;

    // What to ask about: the typed text, trimmed and cut short.
    function query() { return input.value.trim().slice(0, MAX_LENGTH); }

    // GET `url` with `params` as JSON, then `then(data)` (null when refused). An answer to text the viewer
    // has typed on since is dropped; offline, aborted or a bad answer: nothing, the list stays as it is.
    function fetchJson(url, params, then) {
      var asked = query();
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (asked === query()) { then(data); } })
        .catch(function () { /* no list: the form still works without it */ });
    }

    function cancel() {
      clearTimeout(timer);
      if (controller) { controller.abort(); }
      hide();
    }

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

    // Replace the list with `count` options, each filled in by build(option, i).
    function show(count, build) {
      hide();
      if (!count) { return; }
      for (var i = 0; i < count; i++) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        build(option, i);
        list.appendChild(option);
        items.push(option);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      if (active >= 0 && items[active]) { items[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(options.ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) {
        if (options.closedKey) { options.closedKey(event); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && (active >= 0 || options.enterPicksFirst)) {
        event.preventDefault();
        options.choose(items[active >= 0 ? active : 0]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        hide();
      }
    });

    // Pressing on an option must not blur the box first (which would close the list before the tap lands).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest ? event.target.closest("[role=option]") : null;
      if (option) { options.choose(option); }
    });

    input.addEventListener("blur", function () {
      setTimeout(function () { if (document.activeElement !== input) { hide(); } }, 150);
    });

    return { show: show, hide: hide, isOpen: function () { return !list.hidden; }, query: query, fetch: fetchJson,
             cancel: cancel };
  };

  Kexiang.combobox.mark = mark;
})();
