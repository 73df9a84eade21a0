/* Nearby stores: ask the browser where we are (if the shopper allows), then let htmx load
   the list; without a position the server shows stores around the city centre. */
(function () {
  "use strict";
  var box = document.getElementById("store-results");
  if (!box || !box.dataset.autoload) return;
  var url = box.dataset.url;

  function load(params) {
    var query = params ? "?" + new URLSearchParams(params).toString() : "";
    if (window.htmx) {
      window.htmx.ajax("GET", url + query, { target: "#store-results", swap: "innerHTML" });
      return;
    }
    fetch(url + query, { headers: { "HX-Request": "true" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { box.innerHTML = html; });
  }

  if (!("geolocation" in navigator)) {
    load(null);
    return;
  }
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      load({ lat: pos.coords.latitude.toFixed(6), lon: pos.coords.longitude.toFixed(6) });
    },
    function () { load(null); },
    { enableHighAccuracy: false, timeout: 8000, maximumAge: 60000 }
  );
})();
