/* The search page's 附近有货 filter: when it is ticked, the filter form is sent with the
   shopper's position in its lat/lon inputs if the browser gives one, else without (the
   server then filters around the city centre and says so). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var nearby = form.elements && form.elements.nearby;
    if (!nearby || !nearby.checked || form.dataset.located || !("geolocation" in navigator)) return;
    event.preventDefault();
    var send = function () {
      if (form.dataset.located) return;
      form.dataset.located = "1";
      form.submit();
    };
    setTimeout(send, 8000); // a permission prompt left unanswered does not hold the search
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
