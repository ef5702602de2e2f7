/* The resource upload form: the file goes up with tus (resumable) as soon as it is chosen, while the
   teacher fills in the rest; "Save" waits for the upload when pressed early. */
(function () {
  "use strict";
  var form = document.getElementById("resource-upload");
  if (!form || !window.tus) { return; }
  var input = document.getElementById("file"), hidden = document.getElementById("upload_id");
  var bar = document.getElementById("upload-bar"), save = document.getElementById("save");
  var running = null, submitWhenDone = false;
  function texts() { return window.kexiangUploadTexts || {}; }
  function show(id, text) { var el = document.getElementById(id); el.textContent = text; el.hidden = false; }
  function hide(id) { document.getElementById(id).hidden = true; }
  function sha256(file) {
    if (!window.crypto || !crypto.subtle || file.size > 256 * 1024 * 1024) { return Promise.resolve(""); }
    return file.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); }).then(function (d) {
      return Array.prototype.map.call(new Uint8Array(d), function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    });
  }
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
    sha256(file).then(function (digest) {
      var isMedia = /^(video|audio)\//.test(file.type || "");
      var metadata = {filename: file.name, filetype: file.type || "application/octet-stream",
                      title: title ? title.value : "", kind: isMedia ? "lesson_video" : "resource"};
      if (digest) { metadata.sha256 = digest; }
      var upload = new tus.Upload(file, {
        endpoint: form.dataset.endpoint,
        chunkSize: 2 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        metadata: metadata,
        onError: function (error) {
          var body = error.originalResponse && error.originalResponse.getBody();
          var message = error.message;
          try { message = JSON.parse(body).error || message; } catch (e) {}
          show("upload-error", message);
          submitWhenDone = false; hide("save-waiting"); save.disabled = false;
        },
        onShouldRetry: function () { show("upload-state", texts().retrying); return true; },
        onProgress: function (sent, total) {
          var percent = total ? Math.floor(sent / total * 100) : 100;
          bar.value = percent;
          show("upload-state", texts().uploading + " " + percent + "%");
        },
        onSuccess: function () {
          hidden.value = upload.url.replace(/\/$/, "").split("/").pop();
          bar.value = 100;
          show("upload-state", texts().done);
          document.getElementById("file-done").hidden = false;
          if (submitWhenDone) { form.submit(); }
        }
      });
      running = upload;
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
      });
    });
  }
  var typeSelect = document.getElementById("id_resource_type");
  if (typeSelect) { typeSelect.addEventListener("change", function () { typeSelect.dataset.touched = "1"; }); }
  input.addEventListener("change", function () { if (input.files[0]) { start(input.files[0]); } });
  form.addEventListener("submit", function (event) {
    if (!hidden.value && running) {
      event.preventDefault();
      submitWhenDone = true; save.disabled = true;
      document.getElementById("save-waiting").hidden = false;
    }
  });
})();
