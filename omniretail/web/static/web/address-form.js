/* 使用当前位置: fills the address form's latitude and longitude from the browser's position
   when the shopper allows it; otherwise says so and leaves the fields to type or to the
   street name (the server's gazetteer places it). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-position]");
    if (!button) return;
    var form = button.form;
    var status = form.querySelector("[data-position-status]");
    if (!("geolocation" in navigator)) {
      status.textContent = "当前浏览器无法定位，请填写街道或经纬度。";
      return;
    }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        status.textContent = "已使用当前位置。";
      },
      function () { status.textContent = "未能获取位置，请填写街道或经纬度。"; },
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
    );
  });
})();
