/* The counter's screen: the carousel moves on by itself, a 360° viewer turns as a finger
   drags across it, the code pad types into the code field, and after a while untouched the
   attract loop shows the running adverts one after another (each for its own seconds),
   reporting each showing. A poll that brings the same version is not swapped in. */
(function () {
  "use strict";
  var IDLE_MS = 30000, SLIDE_MS = 8000;
  var live, lastTouch = Date.now(), attractTimer = null, slideTimer = null;

  function screen() { return live && live.querySelector(".kiosk-screen"); }

  function bindSpins(root) {
    root.querySelectorAll(".spin").forEach(function (spin) {
      var frames = spin.dataset.frames.split(" "), img = spin.querySelector("img");
      var index = 0, startX = null, startIndex = 0, step = Math.max(4, spin.clientWidth / frames.length);
      frames.forEach(function (src) { new Image().src = src; });  // no flicker while turning
      function show(i) {
        index = ((i % frames.length) + frames.length) % frames.length;
        img.src = frames[index];
        spin.dataset.frame = String(index);
      }
      spin.addEventListener("pointerdown", function (e) {
        startX = e.clientX; startIndex = index; spin.setPointerCapture(e.pointerId);
      });
      spin.addEventListener("pointermove", function (e) {
        if (startX !== null) show(startIndex + Math.round((e.clientX - startX) / step));
      });
      ["pointerup", "pointercancel"].forEach(function (name) {
        spin.addEventListener(name, function () { startX = null; });
      });
      spin.addEventListener("keydown", function (e) {
        if (e.key === "ArrowRight") show(index + 1);
        if (e.key === "ArrowLeft") show(index - 1);
      });
      show(0);
    });
  }

  function bindPad(root) {
    var input = root.querySelector("#unlock-code");
    var pad = root.querySelector(".pad");
    // 开柜 / 取车: the same keys post the code to the unlock or the repair pickup
    root.querySelectorAll(".pad-mode").forEach(function (mode) {
      mode.addEventListener("click", function () {
        root.querySelectorAll(".pad-mode").forEach(function (other) {
          other.setAttribute("aria-checked", String(other === mode));
        });
        pad.setAttribute("hx-post", mode.dataset.url);
        pad.querySelector("label[for=unlock-code]").textContent = mode.dataset.label;
        pad.querySelector(".key.ok").textContent = mode.textContent;
        input.value = "";
        if (window.htmx) window.htmx.process(pad);
      });
    });
    root.querySelectorAll(".key[data-key]").forEach(function (key) {
      key.addEventListener("click", function () {
        if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
        else if (input.value.length < 6) input.value += key.dataset.key;
      });
    });
  }

  function bindSpecs(root) {
    root.querySelectorAll(".spec-choice").forEach(function (choice) {
      choice.addEventListener("click", function () {
        var slide = choice.closest(".slide");
        slide.querySelectorAll(".spec-choice").forEach(function (other) {
          other.setAttribute("aria-checked", String(other === choice));
        });
        slide.querySelectorAll(".spec-panel").forEach(function (panel) {
          panel.hidden = panel.dataset.bay !== choice.dataset.bay;
        });
      });
    });
  }

  function advance() {
    var carousel = live.querySelector(".carousel");
    if (!carousel || live.contains(document.activeElement) && document.activeElement.closest(".spin")) return;
    var max = carousel.scrollWidth - carousel.clientWidth;
    carousel.scrollLeft = carousel.scrollLeft + 1 >= max ? 0 : carousel.scrollLeft + carousel.clientWidth;
  }

  function report(id) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new URLSearchParams({ ad: id });
    fetch(live.dataset.shownUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    }).catch(function () {});
  }

  function stopAttract() {
    clearTimeout(attractTimer); attractTimer = null;
    var overlay = live.querySelector(".attract");
    if (overlay) overlay.hidden = true;
  }

  function attract(position) {
    var overlay = live.querySelector(".attract");
    var ads = overlay ? overlay.querySelectorAll("img[data-ad]") : [];
    if (!ads.length) { attractTimer = null; return; }
    var ad = ads[position % ads.length];
    ads.forEach(function (other) { other.hidden = other !== ad; });
    overlay.hidden = false;
    report(ad.dataset.ad);
    attractTimer = setTimeout(function () { attract(position + 1); }, Number(ad.dataset.seconds) * 1000);
  }

  function touched() {
    lastTouch = Date.now();
    if (attractTimer) stopAttract();
  }

  function bind() {
    var root = screen();
    if (!root) return;
    bindSpins(root);
    bindSpecs(root);
    bindPad(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    live = document.getElementById("kiosk-live");
    if (!live) return;
    bind();
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, touched, true);
    });
    slideTimer = setInterval(function () { if (!attractTimer) advance(); }, SLIDE_MS);
    setInterval(function () {
      if (!attractTimer && Date.now() - lastTouch >= IDLE_MS) attract(0);
    }, 1000);
    document.body.addEventListener("htmx:beforeSwap", function (e) {
      if (e.detail.target !== live) return;
      var current = screen(), match = /data-version="([^"]+)"/.exec(e.detail.xhr.responseText);
      if (current && match && match[1] === current.dataset.version) e.detail.shouldSwap = false;
      else if (attractTimer) { clearTimeout(attractTimer); attractTimer = null; }
    });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target !== live) return;
      bind();
      if (Date.now() - lastTouch >= IDLE_MS) attract(0);
    });
  });
})();
