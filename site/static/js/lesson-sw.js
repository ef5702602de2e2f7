/* The lessons' service worker (served at /lessons/sw.js, scope /lessons/).

   It only answers from the caches "save for offline" made (one per lesson, <prefix><id>): a request
   whose URL is in one of them gets the kept copy; everything else goes to the network as if there were no
   worker. So a saved lesson's CSS/JS, poster, lowest rung, captions and storyboard come from the phone,
   online or not, and nothing else is ever cached here. Pages (the lesson, the saved list) are asked of the
   network first, briefly, and the kept copy is refreshed; offline the kept copy answers. The kept file is answered whole, even to a Range request:
   Chromium's native HLS fails to parse a playlist answered with a 206 made here, and plays the whole file. */
"use strict";

// lessons.offline.CACHE_PREFIX, put here by the view that serves this file (lessons/views.py)
var PREFIX = self.KEXIANG_CACHE_PREFIX;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

// [cache, response] of the first lesson cache that keeps `url`, or undefined
function kept(url) {
  return caches.keys().then(function (names) {
    names = names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
    var i = 0;
    function next() {
      if (i >= names.length) { return undefined; }
      var name = names[i++];
      return caches.open(name).then(function (cache) {
        return cache.match(url, { ignoreVary: true }).then(function (found) { return found ? [cache, found] : next(); });
      });
    }
    return next();
  });
}

// A kept page is asked of the network first (PAGE_WAIT_MS at most): its answer goes to the viewer, and the
// kept copy is refreshed in the background from the page as rendered for keeping (?offline=1: without any
// group's review comments, since a phone may be shared), with any CSS/JS it names that is not kept yet (new
// file names after a deploy). Offline, slow or refused (404, 500), the kept copy answers; a redirect (e.g. to
// sign in) is followed.
var PAGE_WAIT_MS = 4000;

function keepStatic(html, cache) {
  var urls = [], pattern = /(?:src|href)="(\/static\/[^"?#]+)"/g, match;
  while ((match = pattern.exec(html))) { urls.push(match[1]); }
  return Promise.all(urls.map(function (url) {
    return cache.match(url).then(function (there) {
      if (there) { return undefined; }
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? cache.put(url, response) : undefined;
      });
    });
  }));
}

function refreshKept(key, cache) {
  return fetch(key + "?offline=1", { credentials: "same-origin", redirect: "manual", cache: "no-cache" })
    .then(function (response) {
      if (!response.ok) { return undefined; }
      return response.clone().text().then(function (html) {
        // one copy per page: drop every stored variant (Vary: Cookie) before keeping the new one
        return keepStatic(html, cache).then(function () { return cache.delete(key, { ignoreVary: true }); })
          .then(function () { return cache.put(key, response); });
      });
    });
}

function page(event, key, cache, copy) {
  var timer;
  var network = fetch(event.request);
  var late = new Promise(function (resolve) { timer = setTimeout(resolve, PAGE_WAIT_MS); });
  event.waitUntil(network.then(function (response) {
    return response.ok ? refreshKept(key, cache) : undefined;
  }).catch(function () { /* offline: the kept copy stays as it is */ }));
  return Promise.race([network.catch(function () { return undefined; }), late]).then(function (response) {
    clearTimeout(timer);
    if (response && (response.ok || response.type === "opaqueredirect")) { return response; }
    return copy;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  // a saved lesson page is kept without its query string (e.g. ?from=...)
  var navigate = request.mode === "navigate";
  // a playlist hls.js asks for with ?signed=1 (media in object storage) is the kept copy of the playlist
  var key = navigate || url.searchParams.get("signed") ? url.origin + url.pathname : request.url;
  event.respondWith(kept(key).then(function (found) {
    if (!found) { return fetch(request); }
    return navigate ? page(event, key, found[0], found[1]) : found[1];
  }, function () { return fetch(request); }));
});
