/* Chapter picker for a form with <input type="hidden" name="chapter"> and a text input[data-chapter-picker].
 *
 *   <input type="hidden" name="chapter" value="">
 *   <label for="chapter-text">章节</label>
 *   <input id="chapter-text" type="text" data-chapter-picker="/api/v1/chapters" data-textbook-select="#id_textbook">
 *
 * As the teacher types (after 200 ms) it asks GET /api/v1/chapters?q=…[&textbook=…] and lists the matching
 * chapters with their book and path in an ARIA listbox (lib/combobox.js, as search-suggest.js: arrows,
 * Enter, Escape, tap). Picking one fills the hidden input and shows the chosen path with a way to clear it.
 * Optional attributes on the text input: data-textbook-select / data-stage-select / data-subject-select (CSS
 * selectors of selects whose values narrow the search; choosing a chapter also sets the textbook select),
 * data-chosen-path (the path to show for a chapter already in the hidden input), and the labels
 * data-label-chosen, data-label-clear, data-label-none, data-label-count (“{n}” is replaced).
 * Without JavaScript, or offline, the hidden input simply stays empty. No libraries. */
(function () {
  "use strict";

  var uid = 0;

  function text(input, name, fallback) {
    return input.getAttribute("data-label-" + name) || fallback;
  }

  function selectFor(input, name) {
    var selector = input.getAttribute("data-" + name + "-select");
    if (!selector) return null;
    try { return document.querySelector(selector); } catch (e) { return null; }
  }

  function bookName(book) {  // with its version (新教材/旧教材, 五四学制): two prints of one book look alike otherwise
    if (!book) return "";
    var name = [book.edition, book.label || [book.grade, book.volume].join(" ")].filter(Boolean).join(" ");
    return book.note ? name + "（" + book.note + "）" : name;
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

    input.setAttribute("autocomplete", "off");

    var results = [];
    var asked = "";
    var chosen = null; // {id, title, textbook id}
    var box = window.Kexiang.combobox(input, list, {
      ask: ask,
      choose: choose,
      enterPicksFirst: true,
      closedKey: function (event) {
        if (event.key === "ArrowDown" && input.value.trim()) { asked = ""; ask(); }
        if (event.key === "Enter" && input.value.trim() && !chosen) { event.preventDefault(); asked = ""; ask(); } // Enter asks; it does not send the form half-chosen
      }
    });

    function showChosen(description) {
      if (!description) {
        picked.hidden = true;
        pickedText.textContent = "";
        return;
      }
      pickedText.textContent = text(input, "chosen", "已选：") + description;
      picked.hidden = false;
    }

    function show(found, query) {
      box.hide();
      results = found;
      if (document.activeElement !== input) return;
      status.textContent = found.length
        ? text(input, "count", "{n} 个章节").replace("{n}", found.length)
        : text(input, "none", "没有找到这个章节，换个词试试");
      box.show(found.length, function (option, i) {
        var chapter = found[i];
        option.setAttribute("data-index", String(i));
        var title = document.createElement("span");
        window.Kexiang.combobox.mark(title, chapter.title, query);
        var where = document.createElement("span");
        where.className = "option-path";
        where.textContent = [bookName(chapter.textbook)].concat(chapter.path.slice(0, -1)).filter(Boolean).join(" › ");
        option.appendChild(title);
        option.appendChild(where);
      });
    }

    function choose(option) {
      var chapter = results[Number(option.getAttribute("data-index"))];
      if (!chapter) return;
      chosen = { id: String(chapter.id), title: chapter.title, textbook: chapter.textbook ? String(chapter.textbook.id) : "" };
      hidden.value = chosen.id;
      input.value = chapter.title;
      asked = chapter.title;
      box.hide();
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
      var query = box.query();
      var params = ["q=" + encodeURIComponent(query)];
      [["textbook", textbookSelect], ["stage", stageSelect], ["subject", subjectSelect]].forEach(function (pair) {
        if (pair[1] && pair[1].value) params.push(pair[0] + "=" + encodeURIComponent(pair[1].value));
      });
      var key = params.join("&");
      if (!query) {
        asked = "";
        status.textContent = "";
        box.hide();
        return;
      }
      if (key === asked && box.isOpen()) return;
      asked = key;
      box.fetch(url, key, function (data) {  // offline or refused: no list; the hidden input stays as it is
        var found = (data && Array.isArray(data.results)) ? data.results : [];
        show(found.filter(function (c) { return c && c.id && typeof c.title === "string" && Array.isArray(c.path); }), query);
      });
    }

    input.addEventListener("input", function () {
      if (chosen && input.value.trim() !== chosen.title) unchoose();
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
