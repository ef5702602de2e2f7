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
    //
    // With media in object storage, a rung's playlist asked with ?signed=1 (added here) names its segments by
    // signed links straight to the store, which expire (X-Amz-Expires, minutes); without it they are named on
    // the site, for players that cannot refresh links (Safari's own). A viewer who pauses, or watches a long
    // lesson, would meet expired links: so a segment whose playlist came longer ago than 80% of its link's
    // life is asked of the site instead (/media/…, the same check, then a redirect to a fresh link), without
    // reloading anything. Should the store still refuse a segment (403, or status 0 when its refusal carries
    // no CORS header), the playlist is loaded again from where play is; three times in a row at most.
    attach: function (Hls, video, url, options) {
      var site = (url.match(/^(.*\/hls\/[0-9a-f-]{36}\/)/) || [])[1];
      var fetchedAt = {};  // rung folder -> when its playlist was asked for
      function rungOf(path) { var i = path.lastIndexOf("/"); return i < 0 ? "" : path.slice(0, i); }
      options = options || {};
      options.xhrSetup = function (xhr, wanted) {
        if (!site) { return; }
        var target = new URL(wanted, window.location.href);
        if (target.pathname.indexOf(site) === 0 && /\.m3u8$/.test(target.pathname)) {
          fetchedAt[rungOf(target.pathname.slice(site.length))] = Date.now();
          if (!target.searchParams.has("signed")) {  // segments by signed links, where the media is in a bucket
            target.searchParams.set("signed", "1");
            xhr.open("GET", target.href, true);
          }
          return;
        }
        var life = parseInt(target.searchParams.get("X-Amz-Expires") || "", 10);
        var at = target.pathname.indexOf(site.replace(/^.*(\/hls\/)/, "$1"));
        if (!life || at < 0) { return; }
        var name = target.pathname.slice(at + site.replace(/^.*(\/hls\/)/, "$1").length);
        var since = fetchedAt[rungOf(name)];
        if (since && Date.now() - since > life * 800) { xhr.open("GET", site + name, true); }
      };
      var hls = new Hls(options);
      var refreshes = 0;
      hls.on(Hls.Events.FRAG_LOADED, function () { refreshes = 0; });
      hls.on(Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) { return; }
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          var code = data.response ? data.response.code : -1;
          var refused = !!data.frag && (code === 403 || code === 0);
          if (refused && refreshes < 3) {
            refreshes += 1;
            hls.config.startPosition = video.currentTime;  // where the fresh playlist is loaded from
            hls.loadSource(url);
          } else { hls.startLoad(); }
        }
        else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); }
      });
      hls.attachMedia(video);
      hls.loadSource(url);
      return hls;
    }
  };
})();
