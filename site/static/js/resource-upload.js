/* The resource upload form: the file goes up with tus (resumable) as soon as it is chosen, while the
   teacher fills in the rest; "Save" waits for the upload when pressed early. */
(function () {
  "use strict";
  var form = document.getElementById("resource-upload");
  if (!form || !window.tus || !window.kexiangTusUpload) { return; }
  var input = document.getElementById("file"), hidden = document.getElementById("upload_id");
  if (!input || !hidden) { return; }  // (sharing a recording that is uploaded already: no file to send)
  var bar = document.getElementById("upload-bar"), save = document.getElementById("save");
  var running = null, submitWhenDone = false;
  var pageTexts = document.getElementById("upload-texts");
  function texts() { return pageTexts ? JSON.parse(pageTexts.textContent) : {}; }
  function show(id, text) { var el = document.getElementById(id); el.textContent = text; el.hidden = false; }
  function hide(id) { document.getElementById(id).hidden = true; }
  function start(file) {
    hide("upload-error"); hide("file-done");
    hidden.value = "";
    if (file.size === 0) { show("upload-error", texts().empty); return; }
    if (running) { running.abort(); }
    document.getElementById("progress-box").hidden = false;
    show("upload-state", texts().checking);
    var title = document.getElementById("id_title");
    if (title && !title.value) { title.value = file.name.replace(/\.[^.]+$/, "").slice(0, 200); }
    // A video is a micro-lesson, a document courseware, unless the teacher already chose a type that fits.
    var type = document.getElementById("id_resource_type");
    var video = /^(video|audio)\//.test(file.type || "");
    if (type && !type.dataset.touched) {
      var isVideoType = type.value === "micro_lesson" || type.value === "recording";
      if (video && !isVideoType) { type.value = "micro_lesson"; }
      if (!video && isVideoType) { type.value = /\.(docx?|odt)$/i.test(file.name) ? "lesson_plan" : "courseware"; }
    }
    window.kexiangTusUpload(file, {
      endpoint: form.dataset.endpoint,
      metadata: {filename: file.name, filetype: file.type || "application/octet-stream",
                 title: title ? title.value : "", kind: video ? "lesson_video" : "resource"},
      onError: function (message) {
        show("upload-error", message);
        submitWhenDone = false; hide("save-waiting"); save.disabled = false;
      },
      onRetry: function () { show("upload-state", texts().retrying); },
      onProgress: function (percent) {
        bar.value = percent;
        show("upload-state", texts().uploading + " " + percent + "%");
      },
      onSuccess: function (uploadId) {
        bar.value = 100;
        if (!video) { accepted(uploadId); return; }
        // A video is probed as its last byte arrives: one that holds no picture and no sound is said now.
        show("upload-state", texts().checking);
        fetch(form.dataset.assetUrl.replace("UPLOAD_ID", encodeURIComponent(uploadId)),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {}; })
          .catch(function () { return {}; })  // (no answer: the Save refuses a broken file all the same)
          .then(function (asset) {
            if (asset.state === "failed") {
              running = null;  // nothing to wait for: Save must not wait for this file
              hide("upload-state"); show("upload-error", asset.error || texts().broken);
              submitWhenDone = false; hide("save-waiting"); save.disabled = false;
              return;
            }
            accepted(uploadId);
          });
      }
    }).then(function (upload) { running = upload; });
  }
  function accepted(uploadId) {
    hidden.value = uploadId;
    show("upload-state", texts().done);
    document.getElementById("file-done").hidden = false;
    if (submitWhenDone) { form.submit(); }
  }
  input.addEventListener("change", function () { if (input.files[0]) { start(input.files[0]); } });
  form.addEventListener("submit", function (event) {
    if (!hidden.value && running) {
      event.preventDefault();
      submitWhenDone = true; save.disabled = true;
      document.getElementById("save-waiting").hidden = false;
    }
  });
})();
