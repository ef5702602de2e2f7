/* A recording's processing page (/my/media/<id>/): follows the transcode until it is done or failed. The moment
   it first plays, the page is shown again (its poster, "put in the library"); the higher rungs go on after. */
(function () {
  var box = document.getElementById("job");
  var playedAtLoad = !document.getElementById("done").hidden;
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      if (d.master_url && !playedAtLoad) { window.location.reload(); return; }
      document.getElementById("state").textContent = d.state_label;
      document.getElementById("percent").textContent = d.percent;
      document.getElementById("bar").value = d.percent;
      if (d.error) { var e = document.getElementById("error"); e.textContent = d.error; e.hidden = false; }
      if (d.state === "queued" || d.state === "processing") { setTimeout(poll, 3000); }
    }).catch(function () { setTimeout(poll, 10000); });
  }
  if (box.dataset.state === "queued" || box.dataset.state === "processing") { setTimeout(poll, 2000); }
})();
