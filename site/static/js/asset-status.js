/* A recording's processing page (/my/media/<id>/): follows the transcode until it plays (then shows the page
   again: poster, "put in the library") or fails. */
(function () {
  var box = document.getElementById("job");
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById("state").textContent = d.state_label;
      document.getElementById("percent").textContent = d.percent;
      document.getElementById("bar").value = d.percent;
      if (d.error) { var e = document.getElementById("error"); e.textContent = d.error; e.hidden = false; }
      // Playable now: the page again, with its poster and what to do next.
      if (d.master_url) { window.location.reload(); return; }
      if (d.state === "queued" || d.state === "processing") { setTimeout(poll, 3000); }
    }).catch(function () { setTimeout(poll, 10000); });
  }
  if (!document.getElementById("done").hidden || !document.getElementById("error").hidden) { return; }
  setTimeout(poll, 2000);
})();
