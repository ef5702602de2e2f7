/* The lessons' service worker (served at /lessons/sw.js, scope /lessons/).

   It only answers from the caches "save for offline" made (one per lesson, kexiang-lesson-<id>): a request
   whose URL is in one of them gets the kept copy; everything else goes to the network as if there were no
   worker. So a saved lesson's page, CSS/JS, poster, lowest rung and captions come from the phone, online
   or not, and nothing else is ever cached here. The kept file is answered whole, even to a Range request:
   Chromium's native HLS fails to parse a playlist answered with a 206 made here, and plays the whole file. */
"use strict";

var PREFIX = "kexiang-lesson-";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function kept(url) {
  return caches.keys().then(function (names) {
    names = names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
    var i = 0;
    function next() {
      if (i >= names.length) { return undefined; }
      return caches.open(names[i++]).then(function (cache) {
        return cache.match(url, { ignoreVary: true });
      }).then(function (found) { return found || next(); });
    }
    return next();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  // a saved lesson page is kept without its query string (e.g. ?from=...)
  var key = request.mode === "navigate" ? url.origin + url.pathname : request.url;
  event.respondWith(kept(key).then(function (found) {
    return found || fetch(request);
  }, function () { return fetch(request); }));
});
