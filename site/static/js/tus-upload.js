/* One resumable upload with tus-js-client, as every upload page does it: the whole-file sha256 when the phone
   can afford it, 2 MiB chunks, retries over a bad network, resuming a previous attempt of the same file, and the
   server's sentence on error. Needs vendor/tus.min.js first. */
(function () {
  "use strict";
  function sha256(file) {
    if (!window.crypto || !crypto.subtle || file.size > 256 * 1024 * 1024) { return Promise.resolve(""); }
    return file.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); }).then(function (d) {
      return Array.prototype.map.call(new Uint8Array(d), function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    });
  }
  /* options: endpoint, metadata, onError(message), onRetry(), onProgress(percent), onSuccess(uploadId).
     Returns a promise of the tus.Upload, once it has started (so the caller can abort it). */
  function start(file, options) {
    return sha256(file).then(function (digest) {
      var metadata = options.metadata;
      if (digest) { metadata.sha256 = digest; }
      var upload = new tus.Upload(file, {
        endpoint: options.endpoint,
        chunkSize: 2 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        metadata: metadata,
        onError: function (error) {
          var body = error.originalResponse && error.originalResponse.getBody();
          var message = error.message;
          try { message = JSON.parse(body).error || message; } catch (e) {}
          options.onError(message);
        },
        onShouldRetry: function () { options.onRetry(); return true; },
        onProgress: function (sent, total) { options.onProgress(total ? Math.floor(sent / total * 100) : 100); },
        onSuccess: function () { options.onSuccess(upload.url.replace(/\/$/, "").split("/").pop()); }
      });
      return upload.findPreviousUploads().then(function (previous) {
        if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
        return upload;
      });
    });
  }
  window.kexiangTusUpload = start;
})();
