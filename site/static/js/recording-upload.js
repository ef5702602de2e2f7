/* The recording upload page (/my/media/upload/): the file goes up with tus, then the page follows its
   transcode. Texts come from the page (#upload-texts), so the script holds no language. */
(function () {
  var form = document.getElementById("upload-form");
  var texts = JSON.parse(document.getElementById("upload-texts").textContent);
  function show(id, text) { var el = document.getElementById(id); el.textContent = text; el.hidden = false; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("file").files[0];
    if (!file) { return; }
    document.getElementById("start").disabled = true;
    document.getElementById("progress-box").hidden = false;
    show("upload-state", texts.checking);
    window.kexiangTusUpload(file, {
      endpoint: form.dataset.endpoint,
      metadata: {filename: file.name, filetype: file.type || "application/octet-stream",
                 title: document.getElementById("title").value, kind: "lesson_video"},
      onError: function (message) {
        show("upload-error", message);
        document.getElementById("start").disabled = false;
      },
      onRetry: function () { show("upload-state", texts.retrying); },
      onProgress: function (percent) {
        document.getElementById("upload-bar").value = percent;
        show("upload-state", texts.uploading + " " + percent + "%");
      },
      onSuccess: function (id) {
        var lookup = form.dataset.lookup.replace("UPLOAD", id);
        (function find(tries) {
          fetch(lookup, {credentials: "same-origin"}).then(function (r) {
            if (r.ok) { return r.json().then(function (d) { window.location = d.status_url; }); }
            if (r.status === 503) {  // the media storage is down: the upload is kept, asked again until it is back
              return r.json().then(function (d) { show("upload-error", d.error); setTimeout(function () { find(tries); }, 10000); });
            }
            if (tries > 0) { setTimeout(function () { find(tries - 1); }, 1000); }
          });
        })(20);
      }
    });
  });
})();
