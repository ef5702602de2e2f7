/* On the uploader's own resource page: follow the transcode and the previews, reload when something is ready. */
(function () {
  "use strict";
  var page = document.querySelector("[data-status-url]");
  var live = document.querySelectorAll("[data-live]");
  if (!page || !live.length) { return; }
  function poll() {
    fetch(page.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      var media = s.media, percent = document.querySelector("[data-live=media] .percent");
      if (percent && media) { percent.textContent = media.percent + "%"; }
      var mediaDone = !document.querySelector("[data-live=media]") || (media && (media.playable || media.state === "failed"));
      var previewDone = !document.querySelector("[data-live=preview]") || s.preview_state === "ready" || s.preview_state === "failed";
      if (mediaDone && previewDone) { window.location.reload(); } else { setTimeout(poll, 3000); }
    }).catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 2000);
})();
