/* The lessons' service worker (served at /lessons/sw.js, scope /lessons/).

   It only answers from the caches "save for offline" made (one per lesson, kexiang-lesson-<id>): a request
   whose URL is in one of them gets the kept copy; everything else goes to the network as if there were no
   worker. So a saved lesson's CSS/JS, poster, lowest rung, captions and storyboard come from the phone,
   online or not, and nothing else is ever cached here. Pages (the lesson, the saved list) are asked of the
   network first, briefly, and the kept copy is refreshed; offline the kept copy answers. The kept file is answered whole, even to a Range request:
   Chromium's native HLS fails to parse a playlist answered with a 206 made here, and plays the whole file. */
"use strict";

var PREFIX = "kexiang-lesson-";

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

// A kept page is asked of the network first (a few seconds at most) so that it stays current, and the
// answer replaces the kept copy; offline, slow or refused, the kept copy answers.
var PAGE_WAIT_MS = 4000;

function freshPage(request, key, cache, copy) {
  var wait = new Promise(function (_resolve, reject) { setTimeout(reject, PAGE_WAIT_MS); });
  return Promise.race([fetch(request), wait]).then(function (response) {
    if (!response.ok || response.redirected) { return copy; }  // e.g. signed out: the kept page still plays
    return cache.put(key, response.clone()).then(function () { return response; }, function () { return response; });
  }).catch(function () { return copy; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  // a saved lesson page is kept without its query string (e.g. ?from=...)
  var page = request.mode === "navigate";
  var key = page ? url.origin + url.pathname : request.url;
  event.respondWith(kept(key).then(function (found) {
    if (!found) { return fetch(request); }
    return page ? freshPage(request, key, found[0], found[1]) : found[1];
  }, function () { return fetch(request); }));
});
