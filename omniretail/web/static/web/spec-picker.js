// The spec picker: one row of buttons per axis picks the combination's SKU radio in the form
// below it (hidden once this runs; without JavaScript that list is the picker), shows its
// price and stock, switches the first picture to the SKU's own, and disables the values that
// lead only to sold-out combinations. A running special's struck-through list price and
// countdown ([data-spec-was], shown when the product has one) stay only for a combination
// whose price now is below its list price. Data: the json_script named by data-spec-picker.
(function () {
  "use strict";
  function money(text) {
    return "¥" + Number(text).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  document.querySelectorAll("form[data-spec-picker]").forEach(function (form) {
    var source = document.getElementById(form.dataset.specPicker);
    var axes = form.querySelector("[data-spec-axes]");
    if (!source || !axes) return;
    var data = JSON.parse(source.textContent);
    var list = form.querySelector("[data-spec-list]");
    var status = form.querySelector("[data-spec-status]");
    var buttons = form.querySelectorAll("[data-buy]");
    var price = document.querySelector("[data-testid=price]");
    var was = document.querySelector("[data-spec-was]");
    var countdown = was && was.parentNode.querySelector("[data-testid=special-countdown]");
    var picture = document.querySelector(".gallery-slide img, .gallery .thumb img");
    var original = picture && { src: picture.getAttribute("src"), srcset: picture.getAttribute("srcset") };
    var checked = list.querySelector("input[name=sku]:checked");
    var start = checked && data.skus.filter(function (s) { return s.id === checked.value; })[0];
    var chosen = start ? start.values.slice() : data.attributes.map(function () { return null; });

    function fits(sku, skip) {
      return sku.values.every(function (v, i) { return i === skip || chosen[i] === null || chosen[i] === v; });
    }
    function render() {
      axes.querySelectorAll("button[data-axis]").forEach(function (b) {
        var axis = Number(b.dataset.axis);
        b.setAttribute("aria-pressed", String(chosen[axis] === b.dataset.value));
        b.disabled = !data.skus.some(function (s) {
          return s.stock > 0 && s.values[axis] === b.dataset.value && fits(s, axis);
        });
      });
      var whole = chosen.every(function (v) { return v !== null; });
      var sku = whole ? data.skus.filter(function (s) { return fits(s, -1); })[0] : null;
      var buyable = Boolean(sku && sku.stock > 0);
      list.querySelectorAll("input[name=sku]").forEach(function (r) { r.checked = buyable && r.value === sku.id; });
      buttons.forEach(function (b) { b.disabled = !buyable; });
      if (!sku) {
        status.textContent = form.dataset.textChoose;
      } else {
        if (price) price.textContent = money(sku.price);
        if (was) {
          var special = Number(sku.price) < Number(sku.list_price);
          was.hidden = !special;
          if (countdown) countdown.hidden = !special;
          if (special) was.querySelector("[data-spec-was-amount]").textContent = money(sku.list_price);
        }
        status.textContent = sku.stock > 0 ? form.dataset.textStock.replace("%(n)s", sku.stock) : form.dataset.textSoldOut;
      }
      if (picture) {
        var image = sku && sku.image;
        picture.setAttribute("src", image || original.src);
        if (image) picture.removeAttribute("srcset");
        else if (original.srcset) picture.setAttribute("srcset", original.srcset);
      }
    }
    axes.addEventListener("click", function (event) {
      var b = event.target.closest("button[data-axis]");
      if (!b || b.disabled) return;
      var axis = Number(b.dataset.axis);
      chosen[axis] = chosen[axis] === b.dataset.value ? null : b.dataset.value;
      render();
    });
    axes.hidden = false;
    list.hidden = true;
    render();
  });
})();
