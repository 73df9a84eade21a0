/* Tap a gallery slide: its full picture opens in a dialog; tap the picture to zoom in or
   out, the close button or Escape to go back. No library: <dialog> and a class. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var open = event.target.closest("[data-zoom-src]");
    var dialog = document.querySelector("[data-zoom-dialog]");
    if (!dialog) return;
    var frame = dialog.querySelector(".zoom-frame");
    if (open) {
      var img = frame.querySelector("img");
      img.src = open.dataset.zoomSrc;
      img.alt = open.dataset.zoomAlt || "";
      frame.classList.remove("zoomed");
      dialog.showModal();
    } else if (event.target.closest("[data-zoom-close]")) {
      dialog.close();
    } else if (event.target.closest(".zoom-frame img")) {
      frame.classList.toggle("zoomed");
    }
  });
})();
