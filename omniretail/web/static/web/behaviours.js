/* The pages' small behaviours, attached by data attributes instead of inline handlers, so
   that the Content-Security-Policy can refuse every script the site did not ship. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-select-on-click],[data-step],[data-copy],[data-share-url]");
    if (!el) return;
    if (el.hasAttribute("data-select-on-click")) {
      el.select();
    } else if (el.dataset.step) {
      var input = document.getElementById(el.dataset.target);
      if (input) el.dataset.step === "up" ? input.stepUp() : input.stepDown();
    } else if (el.dataset.copy) {
      var source = document.querySelector(el.dataset.copy);
      source.select();
      var done = function () { el.textContent = el.dataset.copied; };
      if (navigator.clipboard) navigator.clipboard.writeText(source.value).then(done);
      else { document.execCommand("copy"); done(); }
    } else if (el.dataset.shareUrl) {
      if (navigator.share) {
        navigator.share({ title: el.dataset.shareTitle, url: el.dataset.shareUrl }).catch(function () {});
      } else {
        var fallback = document.querySelector(el.dataset.shareFallback);
        if (fallback) fallback.select();
      }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
  });

  /* A public catalog page (web.public) carries no CSRF token, so proxies can share it: the
     browser fetches the cookie from /csrf/ and sends its value with every write. */
  function csrfCookie() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return found ? decodeURIComponent(found[1]) : "";
  }
  var csrfReady = null;
  function ensureCsrf() {
    if (csrfCookie()) return Promise.resolve();
    csrfReady = csrfReady || fetch("/csrf/", { credentials: "same-origin" });
    return csrfReady;
  }
  if (document.body && document.body.dataset.csrf === "lazy") ensureCsrf();
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.headers["X-CSRFToken"] && csrfCookie()) {
      event.detail.headers["X-CSRFToken"] = csrfCookie();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || form.querySelector("[name=csrfmiddlewaretoken]")) return;
    var token = csrfCookie();
    if (token) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = token;
      form.appendChild(input);
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    ensureCsrf().then(function () { form.requestSubmit(submitter); });
  }, true);

  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-disable-on-submit]")) return;
    var button = event.target.querySelector("[type=submit]");
    if (button) button.disabled = true;
  });

  /* Charts: web.charts renders the figure as JSON next to an empty box; plotly.js (loaded by
     the page) draws it, on load and in content htmx swaps in. */
  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-plotly]:not([data-drawn])").forEach(function (box) {
      var figure = JSON.parse(box.nextElementSibling.textContent);
      box.setAttribute("data-drawn", "");
      window.Plotly.newPlot(box, figure.data, figure.layout, figure.config);
    });
  }
  // after every deferred script, plotly.js too wherever the page loads it
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();
