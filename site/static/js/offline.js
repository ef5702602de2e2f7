/* Save for offline: keeps a lesson's page, CSS/JS, poster, lowest video rung and captions in Cache Storage
   (one cache per lesson, <prefix><id>, the prefix given by the page) so that it plays with the network off;
   the service worker (/lessons/sw.js) answers from those caches. Lists the saved lessons on /lessons/saved/
   and removes them.

   The worker is registered only when the viewer presses "save" or opens the saved lessons, never on a
   plain visit. This script runs before player.js: when the lesson is saved, it tells the player the saved
   rung's own playlist, which "auto" plays offline or on a weak network (online on a good network it adapts
   as usual, the kept rung still answered from the phone); offline, every choice plays the kept rung. */
(function () {
  "use strict";

  var prefixNode = document.querySelector("[data-cache-prefix]");  // lessons.offline.CACHE_PREFIX, from the page
  var PREFIX = prefixNode ? prefixNode.getAttribute("data-cache-prefix") : "";
  var STORE = "kexiang.offline";
  var supported = "serviceWorker" in navigator && "caches" in window && window.isSecureContext !== false;

  function readSaved() {
    try { return JSON.parse(window.localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function writeSaved(saved) {
    try { window.localStorage.setItem(STORE, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  function megabytes(bytes) { return (bytes / 1000000).toFixed(1) + " MB"; }
  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_all, key) { return key in values ? values[key] : ""; });
  }
  function register(box) {
    var url = box.getAttribute("data-sw");  // /lessons/sw.js, whose scope is its folder, /lessons/
    return navigator.serviceWorker.register(url, { scope: url.slice(0, url.lastIndexOf("/") + 1) })
      .then(function () { return navigator.serviceWorker.ready; });
  }
  function usage(node, box) {
    if (!node || !navigator.storage || !navigator.storage.estimate) { return; }
    navigator.storage.estimate().then(function (estimate) {
      node.textContent = fill(box.getAttribute("data-usage"), { used: megabytes(estimate.usage || 0) });
      node.hidden = false;
    }, function () { /* unknown */ });
  }
  function remove(id) {
    var saved = readSaved();
    delete saved[id];
    writeSaved(saved);
    return caches.delete(PREFIX + id);
  }

  /* -- the lesson page ------------------------------------------------------------------------ */
  var configNode = document.getElementById("lesson-config");
  var box = document.getElementById("lesson-offline");
  if (configNode && box) {
    var config = JSON.parse(configNode.textContent);
    var id = String(config.lesson);
    var entry = readSaved()[id];
    if (entry && entry.playlist) {
      config.saved = entry.playlist;  // "auto" plays the kept rung offline or on a weak network (player.js)
      if (navigator.onLine === false) {
        config.master = entry.playlist;
        Object.keys(config.renditions || {}).forEach(function (name) { config.renditions[name] = entry.playlist; });
        config.audio = "";
      }
      configNode.textContent = JSON.stringify(config);
    }
    if (supported) { lessonPage(config, id, entry); }
  }

  function lessonPage(config, id, entry) {
    var button = document.getElementById("lesson-save");
    var status = document.getElementById("lesson-offline-status");
    var progress = document.getElementById("lesson-offline-progress");
    var space = document.getElementById("lesson-offline-usage");
    var link = document.getElementById("lesson-offline-list");
    box.classList.remove("is-waiting");

    function showSaved(bytes) {
      box.setAttribute("data-state", "saved");
      button.hidden = true;
      progress.hidden = true;
      status.textContent = fill(box.getAttribute("data-saved"), { size: megabytes(bytes) });
      link.hidden = false;
      usage(space, box);
    }

    if (entry) {
      showSaved(entry.bytes || 0);
      caches.has(PREFIX + id).then(function (there) {  // site data cleared: not saved any more
        if (!there) { remove(id); box.setAttribute("data-state", ""); button.hidden = false; status.textContent = ""; link.hidden = true; }
      });
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      box.setAttribute("data-state", "saving");
      status.textContent = fill(box.getAttribute("data-saving"), { done: 0, total: "…" });
      var manifest, cache, bytes = 0;
      register(box).then(function () {
        return fetch(box.getAttribute("data-manifest"), { credentials: "same-origin", cache: "no-store" });
      }).then(function (response) {
        if (!response.ok) { throw new Error("manifest " + response.status); }
        return response.json();
      }).then(function (data) {
        manifest = data;
        progress.max = manifest.files.length;
        progress.value = 0;
        progress.hidden = false;
        return caches.open(manifest.cache);
      }).then(function (opened) {
        cache = opened;
        var i = 0;
        function next() {
          if (i >= manifest.files.length) { return undefined; }
          var file = manifest.files[i++];
          return fetch(file.fetch || file.url, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
            if (!response.ok) { throw new Error(file.url + " " + response.status); }
            var copy = response.clone();
            return cache.put(file.url, response).then(function () { return copy.blob(); }).then(function (blob) {
              bytes += blob.size;
            });
          }).then(function () {
            progress.value = i;
            status.textContent = fill(box.getAttribute("data-saving"), { done: i, total: manifest.files.length });
            return next();
          });
        }
        return next();
      }).then(function () {
        var saved = readSaved();
        saved[id] = { title: manifest.title, page: manifest.page, rung: manifest.rung, playlist: manifest.playlist,
                      bytes: bytes, saved: Date.now() };
        writeSaved(saved);
        if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
        showSaved(bytes);
      }).catch(function () {
        if (manifest) { caches.delete(manifest.cache); }
        box.setAttribute("data-state", "failed");
        progress.hidden = true;
        status.textContent = box.getAttribute("data-failed");
        button.disabled = false;
      });
    });
  }

  /* -- the saved lessons page ----------------------------------------------------------------- */
  var savedBox = document.getElementById("saved-lessons");
  if (savedBox) {
    if (!supported) { document.getElementById("saved-unsupported").hidden = false; return; }
    register(savedBox).catch(function () { /* listing and removing work without it */ });
    savedPage(savedBox);
  }

  function savedPage(box) {
    var list = document.getElementById("saved-list");
    var empty = document.getElementById("saved-empty");
    var template = document.getElementById("saved-item");
    caches.keys().then(function (names) {
      var saved = readSaved();
      var ids = names.filter(function (n) { return n.indexOf(PREFIX) === 0; }).map(function (n) { return n.slice(PREFIX.length); });
      Object.keys(saved).forEach(function (key) { if (ids.indexOf(key) < 0) { delete saved[key]; } });  // cache gone
      writeSaved(saved);
      ids.forEach(function (id) {
        var entry = saved[id] || {};
        var item = template.content.firstElementChild.cloneNode(true);
        item.setAttribute("data-lesson", id);
        var link = item.querySelector(".saved-title");
        link.href = entry.page || box.getAttribute("data-lesson-url").replace("0", id);
        link.textContent = entry.title || ("#" + id);
        item.querySelector(".saved-size").textContent = entry.bytes ? megabytes(entry.bytes) : "";
        item.querySelector(".saved-remove").addEventListener("click", function () {
          remove(id).then(function () {
            item.remove();
            empty.hidden = list.children.length > 0;
            usage(document.getElementById("saved-usage"), box);
          });
        });
        list.appendChild(item);
      });
      empty.hidden = ids.length > 0;
      box.setAttribute("data-ready", "1");
      usage(document.getElementById("saved-usage"), box);
    });
  }
})();
