/* A button marked data-geo-submit sends its form with the shopper's position in the form's
   lat/lon inputs when the browser gives one, else without it (the server then uses the city
   centre): 立即购买 preselects the nearest store that has the goods; the search filter's
   确定 asks only when 附近有货 is ticked (data-geo-submit="nearby"). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geo-submit]");
    if (!button || button.dataset.located || !("geolocation" in navigator)) return;
    var only = button.dataset.geoSubmit; // data-geo-submit="nearby": only when that box is ticked
    if (only && !(button.form.elements[only] || {}).checked) return;
    event.preventDefault();
    var form = button.form;
    var send = function () {
      if (button.dataset.located) return;
      button.dataset.located = "1";
      button.click();
    };
    setTimeout(send, 8000); // a permission prompt left unanswered does not hold the purchase
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        send();
      },
      send,
      { enableHighAccuracy: false, timeout: 3000, maximumAge: 300000 }
    );
  });
})();
