/* A row that scrolls sideways (the group's tabs on a phone) says so: a fade on the side that has more, and
   the current tab scrolled into view. Without this script the row still scrolls. */
(function () {
  "use strict";
  function update(row) {
    var more = row.scrollWidth - row.clientWidth;
    row.classList.toggle("more-left", row.scrollLeft > 2);
    row.classList.toggle("more-right", more - row.scrollLeft > 2);
  }
  document.querySelectorAll("[data-scroll-hint]").forEach(function (row) {
    var current = row.querySelector("[aria-current]");
    if (current) {
      var r = row.getBoundingClientRect(), c = current.getBoundingClientRect();
      if (c.right > r.right || c.left < r.left) { row.scrollLeft += (c.left - r.left) - (r.width - c.width) / 2; }
    }
    update(row);
    row.addEventListener("scroll", function () { update(row); }, { passive: true });
    window.addEventListener("resize", function () { update(row); });
  });
})();
