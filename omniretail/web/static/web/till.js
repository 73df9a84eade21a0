/* The till's small behaviours (no inline script, for the Content-Security-Policy): the
   change while the clerk types the cash handed over, in whole fen (the server counts it
   again), and the receipt's print button. */
(function () {
  "use strict";

  function fen(text) {
    var m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    return m ? Number(m[1]) * 100 + Number(((m[2] || "") + "00").slice(0, 2)) : null;
  }

  function yuan(cents) {
    return (cents / 100 | 0) + "." + ("0" + (cents % 100)).slice(-2);
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.id !== "cash_tendered") return;
    var out = document.querySelector("[data-testid=change-preview]");
    var total = fen(input.dataset.total), cash = fen(input.value);
    if (cash === null || total === null) { out.textContent = ""; return; }
    out.textContent = cash >= total ? out.dataset.change + " ¥" + yuan(cash - total)
                                    : out.dataset.short + " ¥" + yuan(total - cash);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
