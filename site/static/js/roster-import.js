/* A people import's page (/people/import/<id>/): while the list is checked or applied, follow its progress; show
   the page again once it is done (the preview, the bad rows or the summary). */
(function () {
  "use strict";
  var box = document.getElementById("roster-job");
  if (!box || !box.dataset.running) { return; }
  var bar = document.getElementById("roster-progress"), label = document.getElementById("roster-progress-label");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (!s.running) { window.location.reload(); return; }
      if (s.writing || s.queued) { bar.removeAttribute("value"); } else { bar.value = s.percent; }  // no value: a bar that says "busy"
      bar.textContent = s.percent + "%";
      label.textContent = s.label;
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
