/* Lesson review (评课): the HLS player, the timeline of comment markers, the list that jumps the player,
   and the comment form posting without a reload. Without this script the page still works: the form
   posts and comes back, and phones with native HLS play the video.

   HLS: native where the browser plays it; elsewhere hls.js (lib/hls-loader.js). Loading the video starts on
   play or on a jump, not on page load (metered plans). */
(function () {
  "use strict";

  var Kexiang = window.Kexiang;  // lib/time-label.js, lib/hls-loader.js
  var label = Kexiang.timeLabel;
  var root = document.getElementById("review");
  if (!root) { return; }
  var video = document.getElementById("review-video");
  var timeline = document.getElementById("timeline");
  var played = document.getElementById("timeline-played");
  var list = document.getElementById("comment-list");
  var form = document.getElementById("comment-form");
  var atInput = document.getElementById("comment-at");
  var nowButton = document.getElementById("use-now");
  var errorBox = document.getElementById("comment-error");
  var countBox = document.getElementById("comment-count");
  var emptyBox = document.getElementById("comment-empty");
  var duration = parseFloat(root.getAttribute("data-duration")) || 0;

  /* -- the player -------------------------------------------------------------------------- */
  var hls = null;
  var started = false;
  var ready = false;
  var pendingStart = null;

  function useHls(Hls) {
    if (!Hls) { ready = true; return; }  // nothing better to do: leave the src as it is
    video.removeAttribute("src");
    hls = Kexiang.hls.attach(Hls, video, video.getAttribute("data-src"),
                             { autoStartLoad: false, capLevelToPlayerSize: true, startLevel: 0 });
    ready = true;
    if (pendingStart !== null) { start(pendingStart); }
  }

  function setUpPlayer() {
    if (!video) { return; }
    if (Kexiang.hls.native(video)) { ready = true; return; }
    Kexiang.hls.load(root.getAttribute("data-hls-src"), useHls);
  }

  // Begin loading the video, from `at` seconds when given.
  function start(at) {
    if (!ready) { pendingStart = at === undefined ? -1 : at; return; }
    pendingStart = null;
    if (started) { return; }
    started = true;
    if (hls) { hls.startLoad(at === undefined || at < 0 ? -1 : at); }
    else { video.preload = "auto"; if (video.readyState === 0) { video.load(); } }
  }

  function seek(seconds) {
    if (!video) { return; }
    var to = Math.max(0, Math.min(seconds, duration || seconds));
    start(to);
    var go = function () { try { video.currentTime = to; } catch (e) { /* not seekable yet */ } };
    if (video.readyState >= 1) { go(); }
    else {
      video.addEventListener("loadedmetadata", go, { once: true });
      video.addEventListener("canplay", function again() {
        if (Math.abs(video.currentTime - to) > 0.5) { go(); }
      }, { once: true });
    }
    showPlayed(to);
    if (!typed && atInput) { atInput.value = label(to); }
    if (video.getBoundingClientRect().top < 0) { video.scrollIntoView({ block: "start", behavior: "smooth" }); }
  }

  function showPlayed(at) {
    if (played && duration) { played.style.width = Math.min(100, 100 * at / duration) + "%"; }
  }

  /* -- the moment field follows the player until it is typed in ------------------------------ */
  var typed = atInput && atInput.value !== "";
  function follow() {
    if (!typed && atInput && video) { atInput.value = label(video.currentTime); }
  }
  if (atInput) {
    atInput.addEventListener("input", function () { typed = true; if (nowButton) { nowButton.hidden = false; } });
  }
  if (nowButton) {
    nowButton.hidden = false;
    nowButton.addEventListener("click", function () { typed = false; follow(); });
  }

  if (video) {
    video.addEventListener("play", function () { start(video.currentTime || -1); });
    video.addEventListener("timeupdate", function () { follow(); showPlayed(video.currentTime); });
    video.addEventListener("seeked", follow);
    follow();
  }

  /* -- jumps from markers and list --------------------------------------------------------- */
  function highlight(commentId) {
    var items = list ? list.querySelectorAll(".comment.current") : [];
    for (var i = 0; i < items.length; i++) { items[i].classList.remove("current"); }
    var item = commentId && document.getElementById("comment-" + commentId);
    if (item) { item.classList.add("current"); }
  }

  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (!target) { return; }
    event.preventDefault();
    seek(parseFloat(target.getAttribute("data-seek")));
    var item = target.closest(".comment");
    highlight(target.getAttribute("data-comment") || (item && item.id.replace("comment-", "")));
  });

  /* -- adding a comment without a reload ---------------------------------------------------- */
  function addMarker(comment) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "marker";
    button.style.left = (duration ? Math.min(100, 100 * comment.at_seconds / duration) : 0) + "%";
    button.setAttribute("data-seek", String(comment.at_seconds));
    button.setAttribute("data-comment", String(comment.id));
    var excerpt = comment.body.length > 60 ? comment.body.slice(0, 59) + "…" : comment.body;
    button.setAttribute("aria-label", comment.at_label + " " + comment.author + ": " + excerpt);
    timeline.appendChild(button);
    return button;
  }

  function addItem(comment) {
    var item = document.createElement("li");
    item.className = "comment is-new";
    item.id = "comment-" + comment.id;
    item.setAttribute("data-at", String(comment.at_seconds));
    var link = document.createElement("a");
    link.className = "moment";
    link.href = "#t=" + Math.round(comment.at_seconds);
    link.setAttribute("data-seek", String(comment.at_seconds));
    link.textContent = comment.at_label;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = comment.author;
    item.appendChild(link);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(who);
    if (comment.point) {
      var chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = comment.point.label;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(chip);
    }
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = comment.body;  // plain text: never parsed as HTML
    item.appendChild(body);
    var after = null;
    var items = list.querySelectorAll(".comment");
    for (var i = 0; i < items.length; i++) {
      if (parseFloat(items[i].getAttribute("data-at")) > comment.at_seconds) { after = items[i]; break; }
    }
    list.insertBefore(item, after);
    if (countBox) { countBox.textContent = String(list.querySelectorAll(".comment").length); }
    if (emptyBox) { emptyBox.hidden = true; }
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  if (form && window.fetch && window.FormData) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) { return; }
      sending = true;
      var send = document.getElementById("comment-send");
      send.disabled = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) { showError(result.data.error || form.getAttribute("data-error") || "?"); return; }
        showError("");
        var comment = result.data.comment;
        addMarker(comment);
        addItem(comment);
        form.querySelector("textarea").value = "";
        typed = false;
        follow();
      }).catch(function () {
        form.submit();  // no answer as JSON (offline proxy, expired session): post the plain form
      }).then(function () {
        sending = false;
        send.disabled = false;
      });
    });
  }

  setUpPlayer();
  if (/^#t=\d/.test(location.hash)) { seek(parseFloat(location.hash.slice(3))); }
})();
