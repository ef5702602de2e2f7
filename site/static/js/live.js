/* A live lesson's page (live/watch.html): plays the live HLS ladder as soon as the broadcast starts, the replay once
   it is ready, and keeps the state, the viewer count and the live comments current without reloading.

   - Status: GET status_url every 5 s (state, hls_url while live, replay_url once the replay plays, viewers).
   - Presence: POST heartbeat every `every` seconds, saying whether the video plays (attendance counts it).
   - Comments (members of the group only): GET comments?after=<last id> every 2 s; posting goes through the
     activity thread's own rules (sanitising, @mentions); a phone that sends twice saves once (client_key).
   - Playback: native HLS where the browser has it, else hls.js (fetched only here). It starts muted (phones
     allow that without a tap) with a "tap for sound" button, two segments behind the live edge; on a weak
     or unknown network, with Save-Data, or when "lowest" is chosen, it starts on the lowest rung (the master
     lists it first; "lowest" plays the 240p playlist itself). Viewers can go back to the start while it is live. */
(function () {
  "use strict";

  var Kexiang = window.Kexiang;
  var configNode = document.getElementById("live-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var video = document.getElementById("live-video");
  var stateNode = document.getElementById("live-state");
  var viewersNode = document.getElementById("live-viewers");
  var waiting = document.getElementById("live-waiting");
  var problem = document.getElementById("live-problem");
  var reconnecting = document.getElementById("live-reconnecting");
  var unmute = document.getElementById("live-unmute");
  var quality = document.getElementById("live-quality");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";

  var connection = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
  function weakNetwork() {
    if (!connection || connection.saveData) { return true; }
    if (connection.type === "cellular" || connection.type === "unknown") { return true; }
    var kind = connection.effectiveType;
    return !kind || kind === "slow-2g" || kind === "2g" || kind === "3g";
  }

  /* -- playback ---------------------------------------------------------------------------------- */
  var hls = null, source = null, current = null, watchedLive = false;

  function lowest(url) { return url.replace(/master\.m3u8$/, "240p/index.m3u8"); }

  function play() {
    var promise = video.play();
    if (promise && promise.catch) { promise.catch(function () { video.controls = true; }); }
  }

  function attach(url, still) {  // still: load it, but let the viewer press play (the replay after the live)
    var wanted = quality && quality.value === "low" ? lowest(url) : url;
    if (current === wanted) { return; }
    source = url;
    current = wanted;
    if (hls) { hls.destroy(); hls = null; }
    waiting.hidden = true;
    video.controls = true;
    video.autoplay = !still;  // muted: phones allow it without a tap; it starts whenever the first segment is in
    unmute.hidden = !video.muted;
    var start = still ? function () {} : play;
    if (Kexiang.hls.native(video)) { video.src = wanted; start(); return; }
    Kexiang.hls.load(config.hls, function (Hls) {
      if (!Hls) { video.src = wanted; start(); return; }
      var options = { liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 8, capLevelToPlayerSize: true };
      if (weakNetwork()) { options.startLevel = 0; }
      hls = Kexiang.hls.attach(Hls, video, wanted, options);
      start();
    });
  }

  function detach(message) {
    if (hls) { hls.destroy(); hls = null; }
    if (current) { video.removeAttribute("src"); video.load(); }
    current = source = null;
    waiting.textContent = message;
    waiting.hidden = false;
  }

  // Native HLS gives up on a network hiccup; the next status (5 s) attaches again from the live edge.
  video.addEventListener("error", function () { if (!hls) { current = null; } });

  unmute.addEventListener("click", function () { video.muted = false; unmute.hidden = true; play(); });
  if (quality) { quality.addEventListener("change", function () { if (source) { var url = source; current = null; attach(url); } }); }

  /* -- status ------------------------------------------------------------------------------------ */
  var messages = {
    scheduled: waiting.getAttribute("data-scheduled") || waiting.textContent,
    ended: stateNode.getAttribute("data-ended-label") || ""
  };

  function show(status) {
    stateNode.textContent = status.state_label;
    stateNode.setAttribute("data-state", status.state);
    viewersNode.hidden = status.state !== "live";
    viewersNode.textContent = viewersNode.textContent.replace(/\d+/, String(status.viewers));
    problem.hidden = !status.problem;
    problem.textContent = status.problem_message || "";
    reconnecting.hidden = !status.reconnecting;
    var watchingLive = current && current.indexOf("/media/live/") >= 0 && !video.paused && !video.ended;
    if (status.state === "live" && status.hls_url) { watchedLive = true; attach(status.hls_url); }
    else if (status.replay_url && !watchingLive) {  // not in the middle of the live's tail
      attach(status.replay_url, watchedLive);  // after watching it live: ready, not restarting by itself
    }
    else if (status.state === "ended" && current && current.indexOf("/live/") >= 0 && video.ended) {
      detach(messages.ended || waiting.textContent);
    }
  }

  function getJSON(url, then) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { then(data); } }, function () { /* offline for a moment: try again later */ });
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", credentials: "same-origin", body: body,
                        headers: { "X-CSRFToken": token, Accept: "application/json" } });
  }

  function poll() { getJSON(config.status, show); }
  function beat() {
    post(config.heartbeat, { playing: !video.paused && !video.ended && video.readyState > 2 ? "1" : "0" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } }, function () {});
  }

  show(config.initial);
  setInterval(poll, 5000);
  beat();
  setInterval(beat, config.every * 1000);

  /* -- comments ---------------------------------------------------------------------------------- */
  var list = document.getElementById("live-comment-list");
  var form = document.getElementById("live-comment-form");
  if (!config.can_read_comments || !list || !form) { return; }
  var input = document.getElementById("live-comment-body");
  var error = document.getElementById("live-comment-error");
  var last = 0, loading = false;

  function addComments(data) {
    data.comments.forEach(function (comment) {
      if (comment.id <= last) { return; }
      last = comment.id;
      var item = document.createElement("li");
      item.setAttribute("data-comment", String(comment.id));
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = comment.author;
      var body = document.createElement("div");
      body.className = "live-comment-body";
      body.innerHTML = comment.html;  // sanitised by the thread's service (research.sanitize)
      item.appendChild(who);
      item.appendChild(body);
      list.appendChild(item);
    });
    if (data.comments.length) { list.scrollTop = list.scrollHeight; }
  }

  function refresh() {
    if (loading) { return; }
    loading = true;
    fetch(config.comments + "?after=" + last, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { loading = false; if (data) { addComments(data); } }, function () { loading = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    var key = String(Date.now()) + Math.random().toString(16).slice(2);
    error.hidden = true;
    post(config.comments, { body: text, client_key: key }).then(function (response) {
      if (response.ok) { input.value = ""; refresh(); return; }
      return response.json().then(function (data) { error.textContent = data.error || ""; error.hidden = false; });
    }, function () { error.textContent = form.getAttribute("data-offline") || "…"; error.hidden = false; });
  });

  refresh();
  setInterval(refresh, 2000);
})();
