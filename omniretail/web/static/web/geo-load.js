/* Blocks marked data-geo-load="<url>" load their content for the shopper's position (if
   they allow it) or, without one, for the city centre the server falls back to. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-geo-load]");
  if (!boxes.length) return;

  function load(params) {
    var query = params ? "?" + new URLSearchParams(params).toString() : "";
    boxes.forEach(function (box) {
      var url = box.dataset.geoLoad + query;
      box.setAttribute("hx-get", url);
      if (window.htmx) {
        window.htmx.process(box);
        window.htmx.ajax("GET", url, { target: box, swap: "innerHTML" });
      }
    });
  }

  if (!("geolocation" in navigator)) { load(null); return; }
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      load({ lat: pos.coords.latitude.toFixed(6), lon: pos.coords.longitude.toFixed(6) });
    },
    function () { load(null); },
    { enableHighAccuracy: false, timeout: 5000, maximumAge: 60000 }
  );
})();
