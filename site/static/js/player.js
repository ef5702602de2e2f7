/* The lesson player: starts cheap on weak networks, plays sound only to save data, remembers where the
   viewer stopped, and changes speed.

   HLS is played natively where the browser can (Safari, iOS, many Android browsers). Elsewhere the light
   build of hls.js (scripts/build_static.sh) is fetched, and only when the viewer presses play, so a visit
   that only reads the data figures costs the page and nothing more.

   Start on the lowest rung when the network is cellular, slow (slow-2g/2g/3g), unknown or Save-Data is
   on; the master playlist lists the lowest rung first, so hls.js's level 0 is it. ABR then adapts up.
   Sound only ("audio") loads the audio rendition's own playlist: no video segment is ever requested. */
(function () {
  "use strict";

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
  var nativeHls = video.canPlayType("application/vnd.apple.mpegurl") !== "";

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
  function label(seconds) {
    var whole = Math.max(0, Math.floor(seconds || 0));
    var m = Math.floor(whole / 60), s = whole % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

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
  var hlsLoading = null;
  var choice = saveData && config.audio ? config.audio : "auto";
  if (qualitySelect) { qualitySelect.value = choice; }

  function sourceFor(name) {
    return name === "auto" ? config.master : (config.renditions[name] || config.master);
  }

  function loadHlsJs(then) {
    if (window.Hls) { then(); return; }
    if (!hlsLoading) {
      hlsLoading = [];
      var script = document.createElement("script");
      script.src = config.hls;
      script.onload = function () { var waiting = hlsLoading; hlsLoading = null; waiting.forEach(function (f) { f(); }); };
      script.onerror = script.onload;
      document.head.appendChild(script);
    }
    hlsLoading.push(then);
  }

  // Point the video at the chosen rendition, from `at` seconds, then call `done`.
  function attach(name, at, done) {
    var url = sourceFor(name);
    root.classList.toggle("sound-only", name === config.audio);
    if (audioNote) { audioNote.hidden = name !== config.audio; }
    if (hls) { hls.destroy(); hls = null; }
    if (nativeHls) {
      video.src = url;
      if (at) { video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true }); }
      done();
      return;
    }
    loadHlsJs(function () {
      var Hls = window.Hls;
      if (!Hls || !Hls.isSupported()) { video.src = url; done(); return; }  // nothing better to try
      var options = { capLevelToPlayerSize: true, startPosition: at || -1 };
      if (name === "auto" && weakNetwork()) { options.startLevel = 0; }
      hls = new Hls(options);
      hls.on(Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) { return; }
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) { hls.startLoad(); }
        else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); }
      });
      hls.attachMedia(video);
      hls.loadSource(url);
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
      attach(choice, at, function () { applySpeed(); if (wasPlaying) { play(); } });
    });
  }
  if (speedSelect) { speedSelect.addEventListener("change", applySpeed); }

  video.addEventListener("timeupdate", function () { remember(false); });
  video.addEventListener("pause", function () { remember(true); });
  video.addEventListener("ended", function () { remember(true); });
  window.addEventListener("pagehide", function () { remember(true); });
})();
