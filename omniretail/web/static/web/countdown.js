// Specials' countdowns: [data-countdown] holds the end as epoch seconds; the server's text
// is right at render time, this keeps it ticking and says when the special has ended.
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Math.floor(Number(el.getAttribute("data-countdown")) - Date.now() / 1000));
      var time = el.querySelector("time");
      if (!left) { el.textContent = el.getAttribute("data-ended"); el.removeAttribute("data-countdown"); return; }
      var days = Math.floor(left / 86400), rest = left % 86400;
      var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
      var text = days ? time.textContent.replace(/^\d+(\D+)\d\d:\d\d:\d\d$/, days + "$1" + clock) : clock;
      if (time.textContent !== text) time.textContent = text;
    });
  }
  setInterval(tick, 1000);
})();
