/* Chapter picker for a form with <input type="hidden" name="chapter"> and a text input[data-chapter-picker].
 *
 *   <input type="hidden" name="chapter" value="">
 *   <label for="chapter-text">章节</label>
 *   <input id="chapter-text" type="text" data-chapter-picker="/api/v1/chapters" data-textbook-select="#id_textbook">
 *
 * As the teacher types (after 200 ms) it asks GET /api/v1/chapters?q=…[&textbook=…] and lists the matching
 * chapters with their book and path in an ARIA listbox (the combobox pattern of search-suggest.js: arrows,
 * Enter, Escape, tap). Picking one fills the hidden input and shows the chosen path with a way to clear it.
 * Optional attributes on the text input: data-textbook-select / data-stage-select / data-subject-select (CSS
 * selectors of selects whose values narrow the search; choosing a chapter also sets the textbook select),
 * data-chosen-path (the path to show for a chapter already in the hidden input), and the labels
 * data-label-chosen, data-label-clear, data-label-none, data-label-count (“{n}” is replaced).
 * Without JavaScript, or offline, the hidden input simply stays empty. No libraries. */
(function () {
  "use strict";

  var DELAY_MS = 200;
  var MAX_LENGTH = 50;
  var uid = 0;

  function text(input, name, fallback) {
    return input.getAttribute("data-label-" + name) || fallback;
  }

  function selectFor(input, name) {
    var selector = input.getAttribute("data-" + name + "-select");
    if (!selector) return null;
    try { return document.querySelector(selector); } catch (e) { return null; }
  }

  function bookName(book) {
    if (!book) return "";
    return [book.edition, book.label || [book.grade, book.volume].join(" ")].filter(Boolean).join(" ");
  }

  function setup(input) {
    var form = input.form || input.closest("form");
    var hidden = form ? form.querySelector("input[type=hidden][name=chapter]") : null;
    if (!hidden || !window.fetch || input.getAttribute("data-chapter-picker-ready")) return;
    input.setAttribute("data-chapter-picker-ready", "1");
    var url = input.getAttribute("data-chapter-picker") || "/api/v1/chapters";
    var textbookSelect = selectFor(input, "textbook");
    var stageSelect = selectFor(input, "stage");
    var subjectSelect = selectFor(input, "subject");

    if (!input.id) input.id = "chapter-picker-" + (++uid);
    var field = document.createElement("div");
    field.className = "chapter-picker-field";
    input.parentNode.insertBefore(field, input);
    field.appendChild(input);

    var list = document.createElement("ul");
    list.id = input.id + "-options";
    list.className = "suggestions";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text(input, "list", "章节"));
    field.appendChild(list);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.appendChild(status);

    var picked = document.createElement("div");
    picked.className = "chapter-picked";
    picked.setAttribute("aria-live", "polite");
    picked.hidden = true;
    var pickedText = document.createElement("span");
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "link";
    clear.textContent = text(input, "clear", "清除");
    picked.appendChild(pickedText);
    picked.appendChild(clear);
    field.parentNode.insertBefore(picked, field.nextSibling);

    input.setAttribute("role", "combobox");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var timer = null;
    var controller = null;
    var results = [];
    var items = [];
    var active = -1;
    var asked = "";
    var chosen = null; // {id, title, textbook id}

    function hide() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function showChosen(description) {
      if (!description) {
        picked.hidden = true;
        pickedText.textContent = "";
        return;
      }
      pickedText.textContent = text(input, "chosen", "已选：") + description;
      picked.hidden = false;
    }

    function mark(parent, value, query) {
      var at = query ? value.indexOf(query) : -1;
      if (at < 0) {
        parent.appendChild(document.createTextNode(value));
        return;
      }
      var strong = document.createElement("strong");
      strong.textContent = value.slice(at, at + query.length);
      parent.appendChild(document.createTextNode(value.slice(0, at)));
      parent.appendChild(strong);
      parent.appendChild(document.createTextNode(value.slice(at + query.length)));
    }

    function show(found, query) {
      hide();
      results = found;
      if (document.activeElement !== input) return;
      status.textContent = found.length
        ? text(input, "count", "{n} 个章节").replace("{n}", found.length)
        : text(input, "none", "没有找到这个章节，换个词试试");
      if (!found.length) return;
      found.forEach(function (chapter, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-index", String(i));
        var title = document.createElement("span");
        mark(title, chapter.title, query);
        var where = document.createElement("span");
        where.className = "option-path";
        where.textContent = [bookName(chapter.textbook)].concat(chapter.path.slice(0, -1)).filter(Boolean).join(" › ");
        option.appendChild(title);
        option.appendChild(where);
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
      var chapter = results[Number(option.getAttribute("data-index"))];
      if (!chapter) return;
      chosen = { id: String(chapter.id), title: chapter.title, textbook: chapter.textbook ? String(chapter.textbook.id) : "" };
      hidden.value = chosen.id;
      input.value = chapter.title;
      asked = chapter.title;
      hide();
      showChosen([bookName(chapter.textbook)].concat(chapter.path).filter(Boolean).join(" › "));
      if (textbookSelect && chosen.textbook && textbookSelect.value !== chosen.textbook) {
        for (var i = 0; i < textbookSelect.options.length; i++) {
          if (textbookSelect.options[i].value === chosen.textbook) {
            textbookSelect.value = chosen.textbook;
            textbookSelect.dispatchEvent(new Event("change", { bubbles: true }));
            break;
          }
        }
      }
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function unchoose() {
      chosen = null;
      if (hidden.value) {
        hidden.value = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      showChosen("");
    }

    function ask() {
      var query = input.value.trim().slice(0, MAX_LENGTH);
      var params = ["q=" + encodeURIComponent(query)];
      [["textbook", textbookSelect], ["stage", stageSelect], ["subject", subjectSelect]].forEach(function (pair) {
        if (pair[1] && pair[1].value) params.push(pair[0] + "=" + encodeURIComponent(pair[1].value));
      });
      var key = params.join("&");
      if (!query) {
        asked = "";
        status.textContent = "";
        hide();
        return;
      }
      if (key === asked && !list.hidden) return;
      asked = key;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + key, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (query !== input.value.trim().slice(0, MAX_LENGTH)) return; // the teacher typed on
          var found = (data && Array.isArray(data.results)) ? data.results : [];
          show(found.filter(function (c) { return c && c.id && typeof c.title === "string" && Array.isArray(c.path); }), query);
        })
        .catch(function () { /* offline, aborted or a bad answer: no list; the hidden input stays as it is */ });
    }

    input.addEventListener("input", function () {
      if (chosen && input.value.trim() !== chosen.title) unchoose();
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) {
        if (event.key === "ArrowDown" && input.value.trim()) { asked = ""; ask(); }
        if (event.key === "Enter" && input.value.trim() && !chosen) { event.preventDefault(); asked = ""; ask(); } // Enter asks; it does not send the form half-chosen
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        choose(items[active >= 0 ? active : 0]);
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

    clear.addEventListener("click", function () {
      unchoose();
      input.value = "";
      asked = "";
      input.focus();
    });

    if (textbookSelect) {
      textbookSelect.addEventListener("change", function () {
        if (chosen && textbookSelect.value && textbookSelect.value !== chosen.textbook) {
          unchoose();
          input.value = "";
        }
        asked = "";
      });
    }

    // A chapter already chosen (a form shown again after an error).
    if (hidden.value) {
      chosen = { id: hidden.value, title: input.value.trim(), textbook: textbookSelect ? textbookSelect.value : "" };
      showChosen(input.getAttribute("data-chosen-path") || input.value.trim());
    }
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-chapter-picker]");
    for (var i = 0; i < inputs.length; i++) setup(inputs[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
