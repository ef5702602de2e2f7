/* A moment of a video as people read it: 01:30, 1:02:03 (as research's moment_label writes it on the server). */
(function () {
  "use strict";

  var Kexiang = window.Kexiang = window.Kexiang || {};

  Kexiang.timeLabel = function (seconds) {
    var whole = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : two(m) + ":" + two(s);
  };
})();
