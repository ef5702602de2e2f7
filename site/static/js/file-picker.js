/* The composer's "add files" button: our own labelled button (the browser's own file input says "Choose Files /
   No file chosen" in its language, cut off on a phone); the names chosen show beside it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-file-picker]").forEach(function (picker) {
    var input = picker.querySelector("input[type=file]");
    var names = document.getElementById(picker.getAttribute("data-file-picker"));
    if (!input || !names) { return; }
    input.addEventListener("change", function () {
      var files = Array.prototype.map.call(input.files, function (f) { return f.name; });
      names.textContent = files.length > 2 ? files.length + " × " + files.slice(0, 2).join("、") + "…" : files.join("、");
    });
  });
})();
