/* HLS for the lesson player (player.js) and the review page (lesson-review.js): native where the browser plays
   it (Safari, iOS, many Android browsers); elsewhere the light build of hls.js (vendored by
   scripts/build_static.sh), fetched only when a page asks for it, so phones that play HLS themselves never
   download it. */
(function () {
  "use strict";

  var Kexiang = window.Kexiang = window.Kexiang || {};
  var waiting = null;  // callbacks while hls.js is on its way

  Kexiang.hls = {
    native: function (video) { return video.canPlayType("application/vnd.apple.mpegurl") !== ""; },

    // Fetch hls.js from `src` once, then call `then(Hls)`, or `then(null)` when it cannot play here.
    load: function (src, then) {
      function ready() { then(window.Hls && window.Hls.isSupported() ? window.Hls : null); }
      if (window.Hls) { ready(); return; }
      if (!waiting) {
        waiting = [];
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { var all = waiting; waiting = null; all.forEach(function (f) { f(); }); };
        script.onerror = script.onload;
        document.head.appendChild(script);
      }
      waiting.push(ready);
    },

    // An hls.js player of `url` on `video` that recovers from fatal network and media errors.
    attach: function (Hls, video, url, options) {
      var hls = new Hls(options);
      hls.on(Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) { return; }
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) { hls.startLoad(); }
        else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); }
      });
      hls.attachMedia(video);
      hls.loadSource(url);
      return hls;
    }
  };
})();
