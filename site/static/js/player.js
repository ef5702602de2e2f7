/* The lesson player: starts cheap on weak networks, plays sound only to save data, remembers where the
   viewer stopped, and changes speed.

   HLS is played natively where the browser can (Safari, iOS, many Android browsers). Elsewhere the light
   build of hls.js (lib/hls-loader.js) is fetched, and only when the viewer presses play, so a visit
   that only reads the data figures costs the page and nothing more.

   Start on the lowest rung when the network is cellular, slow (slow-2g/2g/3g), unknown or Save-Data is
   on; the master playlist lists the lowest rung first, so hls.js's level 0 is it. ABR then adapts up.
   Sound only ("audio") loads the audio rendition's own playlist: no video segment is ever requested; the
   picture is the still of the current slide (slides.vtt, made by the pipeline at each change of picture),
   shown as the video's poster and fetched one at a time.

   Under the video, a scrubber of our own: dragging (or hovering with a mouse) shows the storyboard picture
   of that moment (storyboard.vtt, fetched on first use), letting go seeks; markers above it are the
   moments the viewer's teaching-research groups commented on, and tapping one plays from there. */
(function () {
  "use strict";

  var Kexiang = window.Kexiang;  // lib/time-label.js, lib/hls-loader.js
  var label = Kexiang.timeLabel;
  var root = document.getElementById("lesson");
  var configNode = document.getElementById("lesson-config");
  if (!root || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var video = document.getElementById("lesson-video");
  var playButton = document.getElementById("lesson-play");
  var resumeNote = document.getElementById("lesson-resume");
  var audioNote = document.getElementById("lesson-audio-note");
  var qualitySelect = document.getElementById("lesson-quality");
  var speedSelect = document.getElementById("lesson-speed");
  var storageKey = "kexiang.lesson." + config.lesson + ".position";
  var nativeHls = Kexiang.hls.native(video);
  var poster = video.getAttribute("poster") || "";

  /* -- what the network says ----------------------------------------------------------------- */
  var connection = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
  var saveData = !!(connection && connection.saveData);

  function weakNetwork() {
    if (!connection || saveData) { return true; }
    if (connection.type === "cellular" || connection.type === "unknown") { return true; }
    var kind = connection.effectiveType;
    return !kind || kind === "slow-2g" || kind === "2g" || kind === "3g";
  }

  /* -- remembered position ------------------------------------------------------------------- */
  function savedPosition() {
    try {
      var at = parseFloat(window.localStorage.getItem(storageKey));
      return at > 5 && (!config.duration || at < config.duration - 5) ? at : 0;
    } catch (e) { return 0; }
  }

  var lastSaved = 0;
  function remember(force) {
    var now = Date.now();
    if (!force && now - lastSaved < 3000) { return; }
    lastSaved = now;
    try {
      if (video.ended) { window.localStorage.removeItem(storageKey); }
      else if (video.currentTime > 0) { window.localStorage.setItem(storageKey, String(video.currentTime)); }
    } catch (e) { /* private mode or full: no memory, still plays */ }
  }

  var resumeAt = savedPosition();
  if (resumeAt && resumeNote) {
    resumeNote.textContent = (root.getAttribute("data-resume-label") || "▶ ") + label(resumeAt);
    resumeNote.hidden = false;
  }

  /* -- sources -------------------------------------------------------------------------------- */
  var hls = null;
  var choice = saveData && config.audio ? config.audio : "auto";
  if (qualitySelect) { qualitySelect.value = choice; }

  function sourceFor(name) {
    if (name === "auto") {
      // a lesson saved on this phone (offline.js) plays from it when offline or on a weak network
      // (a browser that tells nothing of its network, iOS Safari or Firefox, is taken to be on a good one here)
      return config.saved && (navigator.onLine === false || (connection && weakNetwork())) ? config.saved : config.master;
    }
    return config.renditions[name] || config.master;
  }

  /* -- WebVTT cues of pictures: the storyboard (#xywh into one sprite) and the slides ----------------- */
  function vttSeconds(text) {
    var parts = text.trim().split(":").map(parseFloat), seconds = 0;
    for (var i = 0; i < parts.length; i++) { seconds = seconds * 60 + parts[i]; }
    return seconds;
  }

  function parseCues(text, base) {
    var cues = [];
    var lines = String(text).split(/\r?\n/);
    for (var i = 0; i < lines.length - 1; i++) {
      var times = lines[i].split("-->");
      if (times.length !== 2) { continue; }
      var payload = lines[i + 1].trim(), hash = payload.indexOf("#xywh=");
      var cue = { start: vttSeconds(times[0]), end: vttSeconds(times[1].trim().split(" ")[0]),
                  url: new URL(hash < 0 ? payload : payload.slice(0, hash), base).href };
      if (hash >= 0) { cue.xywh = payload.slice(hash + 6).split(",").map(Number); }
      cues.push(cue);
    }
    return cues;
  }

  function loadCues(url, then) {
    if (!url || !window.fetch) { then([]); return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) { then(parseCues(text, new URL(url, window.location.href))); },
            function () { then([]); });
  }

  function cueAt(cues, seconds) {
    var found = null;
    for (var i = 0; i < cues.length && cues[i].start <= seconds; i++) { found = cues[i]; }
    return found;
  }

  /* -- slides while sound only ------------------------------------------------------------------------ */
  var slides = null;  // null: not asked for yet
  var soundOnly = false;

  function showSlide() {
    if (!soundOnly || !slides || !slides.length) { return; }
    var cue = cueAt(slides, video.currentTime) || slides[0];
    if (video.getAttribute("poster") !== cue.url) {
      video.setAttribute("poster", cue.url);
      var next = slides[slides.indexOf(cue) + 1];
      if (next) { new Image().src = next.url; }  // ready before its moment, one still ahead at most
    }
  }

  function slidesFor(on) {
    soundOnly = on;
    if (!on) { if (poster) { video.setAttribute("poster", poster); } return; }
    if (slides === null && config.slides) {
      slides = [];
      loadCues(config.slides, function (cues) { slides = cues; showSlide(); });
    }
    showSlide();
  }

  // Point the video at the chosen rendition, from `at` seconds, then call `done`.
  function attach(name, at, done) {
    var url = sourceFor(name);
    root.classList.toggle("sound-only", name === config.audio);
    if (audioNote) { audioNote.hidden = name !== config.audio; }
    slidesFor(!!config.audio && name === config.audio);
    if (hls) { hls.destroy(); hls = null; }
    if (nativeHls) {
      video.src = url;
      if (at) { video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true }); }
      done();
      return;
    }
    Kexiang.hls.load(config.hls, function (Hls) {
      if (!Hls) { video.src = url; done(); return; }  // nothing better to try
      var options = { capLevelToPlayerSize: true, startPosition: at || -1 };
      if (name === "auto" && weakNetwork()) { options.startLevel = 0; }
      hls = Kexiang.hls.attach(Hls, video, url, options);
      done();
    });
  }

  function applySpeed() {
    var rate = parseFloat(speedSelect ? speedSelect.value : "1") || 1;
    video.defaultPlaybackRate = rate;
    video.playbackRate = rate;
  }

  function play() {
    var promise = video.play();
    if (promise && promise.catch) { promise.catch(function () { /* the viewer can press the control again */ }); }
  }

  var started = false;
  function start() {
    if (started) { return; }
    hidePreview();
    started = true;
    root.classList.add("started");
    if (playButton) { playButton.hidden = true; }
    video.controls = true;
    video.preload = "auto";
    attach(choice, resumeAt, function () { applySpeed(); play(); });
  }

  /* -- controls -------------------------------------------------------------------------------- */
  if (playButton) { playButton.addEventListener("click", start); }
  if (qualitySelect) {
    qualitySelect.addEventListener("change", function () {
      choice = qualitySelect.value;
      if (!started) { return; }
      var at = video.currentTime, wasPlaying = !video.paused;
      // After the end there is nothing to seek to in the new rendition (the demuxer fails there): from the start.
      if (video.ended || (video.duration && at >= video.duration - 0.5)) { at = 0; wasPlaying = false; }
      attach(choice, at, function () { applySpeed(); if (wasPlaying) { play(); } });
    });
  }
  if (speedSelect) { speedSelect.addEventListener("change", applySpeed); }

  /* -- the scrubber: storyboard previews, review markers ------------------------------------------------ */
  var seekBar = document.getElementById("lesson-seek");
  var preview = document.getElementById("lesson-preview");
  var previewImage = document.getElementById("lesson-preview-image");
  var previewTime = document.getElementById("lesson-preview-time");
  var nowLabel = document.getElementById("lesson-now");
  var markNote = document.getElementById("lesson-mark-note");
  var storyboard = null;  // null: not fetched yet
  var dragging = false;
  var previewAt = 0;

  function lessonLength() { return video.duration && isFinite(video.duration) ? video.duration : config.duration; }

  function showPreview(seconds) {
    if (!preview || !seekBar) { return; }
    previewAt = seconds;
    if (storyboard === null && config.storyboard) {
      storyboard = [];
      loadCues(config.storyboard, function (cues) { storyboard = cues; if (!preview.hidden) { showPreview(previewAt); } });
    }
    var cue = storyboard && cueAt(storyboard, seconds);
    if (cue && cue.xywh) {
      previewImage.style.backgroundImage = "url(\"" + cue.url + "\")";
      previewImage.style.backgroundPosition = (-cue.xywh[0]) + "px " + (-cue.xywh[1]) + "px";
      previewImage.style.width = cue.xywh[2] + "px";
      previewImage.style.height = cue.xywh[3] + "px";
      previewImage.hidden = false;
    } else {
      previewImage.hidden = true;  // no storyboard (sound-only recording) or not here yet: the time alone
    }
    previewTime.textContent = label(seconds);
    preview.hidden = false;
    var width = seekBar.offsetWidth, half = preview.offsetWidth / 2;
    var x = lessonLength() ? width * Math.min(1, seconds / lessonLength()) : 0;
    preview.style.left = Math.max(0, Math.min(width - 2 * half, x - half)) + "px";
  }

  function hidePreview() { if (preview) { preview.hidden = true; } }

  function showNow(seconds) {
    if (seekBar && !dragging) { seekBar.value = String(seconds); }
    if (nowLabel) { nowLabel.textContent = label(seconds); }
  }

  // Play from `seconds`: before the first play, start there; after, jump. A jump asked for while the player
  // is still starting (no metadata yet, seconds on 2G) is made once it can be, after the resume position.
  var pendingJump = null;
  function seekTo(seconds) {
    seconds = Math.max(0, Math.min(seconds, lessonLength() || seconds));
    showNow(seconds);
    if (!started) { resumeAt = seconds; start(); return; }
    if (video.readyState < 1) {
      if (pendingJump === null) {
        video.addEventListener("loadedmetadata", function () {
          if (pendingJump !== null) { video.currentTime = pendingJump; pendingJump = null; }
        }, { once: true });
      }
      pendingJump = seconds;
      if (hls) { hls.stopLoad(); hls.startLoad(seconds); }  // fetch from there, not from where it began
    } else {
      try { video.currentTime = seconds; } catch (e) { /* not seekable yet */ }
    }
    if (video.paused) { play(); }
  }

  if (seekBar) {
    seekBar.addEventListener("input", function () { dragging = true; showPreview(parseFloat(seekBar.value) || 0); });
    seekBar.addEventListener("change", function () {
      dragging = false;
      hidePreview();
      seekTo(parseFloat(seekBar.value) || 0);
    });
    // a mouse shows the picture under the pointer without seeking; touch shows it while dragging
    seekBar.addEventListener("pointermove", function (event) {
      if (event.pointerType !== "mouse" || dragging || !lessonLength()) { return; }
      var box = seekBar.getBoundingClientRect();
      showPreview(lessonLength() * Math.max(0, Math.min(1, (event.clientX - box.left) / box.width)));
    });
    seekBar.addEventListener("pointerleave", function () { if (!dragging) { hidePreview(); } });
    seekBar.addEventListener("blur", function () { dragging = false; hidePreview(); });
    // a drag let go where it began fires no "change": the bar must follow the lesson again all the same
    ["pointerup", "pointercancel", "touchend", "touchcancel"].forEach(function (type) {
      seekBar.addEventListener(type, function () {
        window.setTimeout(function () { if (dragging) { dragging = false; hidePreview(); } }, 250);
      });
    });
  }

  function highlight(commentId) {
    var current = root.querySelectorAll(".lesson-mark.current, .lesson-comment.current");
    for (var i = 0; i < current.length; i++) { current[i].classList.remove("current"); }
    var mark = root.querySelector(".lesson-mark[data-comment=\"" + commentId + "\"]");
    var item = document.getElementById("lesson-comment-" + commentId);
    if (mark) { mark.classList.add("current"); }
    if (item) { item.classList.add("current"); }
    return item;
  }

  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (!target) { return; }
    event.preventDefault();
    seekTo(parseFloat(target.getAttribute("data-seek")) || 0);
    var item = highlight(target.getAttribute("data-comment"));
    if (markNote) {  // a marker says what was said there, right under the bar: no scrolling on a phone
      var body = item && item.querySelector(".lesson-comment-body");
      var who = item && item.querySelector(".who");
      markNote.textContent = target.classList.contains("lesson-mark") && body
        ? label(parseFloat(target.getAttribute("data-seek"))) + " " + (who ? who.textContent + ": " : "") + body.textContent
        : "";
    }
  });

  video.addEventListener("timeupdate", function () { showNow(video.currentTime); showSlide(); });
  video.addEventListener("seeked", showSlide);
  video.addEventListener("durationchange", function () {
    if (seekBar && !config.duration && isFinite(video.duration)) { seekBar.max = String(video.duration); }
  });
  /* -- full screen: a landscape lesson turns sideways on a phone held upright ------------------------- */
  document.addEventListener("fullscreenchange", function () {
    var orientation = window.screen && window.screen.orientation;
    if (!orientation || !orientation.lock) { return; }
    if (document.fullscreenElement === video && (video.videoWidth || 16) >= (video.videoHeight || 9)) {
      orientation.lock("landscape").catch(function () { /* not allowed here: the viewer turns the phone */ });
    } else if (!document.fullscreenElement && orientation.unlock) {
      try { orientation.unlock(); } catch (e) { /* nothing was locked */ }
    }
  });

  video.addEventListener("timeupdate", function () { remember(false); });
  video.addEventListener("pause", function () { remember(true); });
  video.addEventListener("ended", function () { remember(true); });
  window.addEventListener("pagehide", function () { remember(true); });
})();
