// ShopCtrl's page behaviour. The Content-Security-Policy allows no inline script and no
// on…= handler, so everything a template used to do inline is declared with data-
// attributes and handled here.
(function () {
  "use strict";

  // <form data-confirm="Question?">: submitting asks first; Cancel stops the submit.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target.closest("form[data-confirm]");
      if (form && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // htmx leaves 4xx answers unswapped. A 400 from an element inside [data-swap-errors]
  // (the orders grid's filters) carries the form's errors: show it like any answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var elt = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 400 && elt && elt.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // Line-by-line acknowledgement: the reason drop-down shows only where part of the line
  // is rejected (something credited already, or a quantity lower than is open).
  function syncReason(input) {
    var row = input.closest("tr");
    if (!row) return;
    var open = parseInt(input.getAttribute("data-open"), 10);
    var value = parseInt(input.value, 10);
    var lowered = !isNaN(value) && value < open;
    var credited = !row.querySelector("[data-no-reason]");
    var reason = row.querySelector("[data-reason]");
    var none = row.querySelector("[data-no-reason]");
    if (reason) reason.hidden = !(lowered || credited);
    if (none) none.hidden = lowered;
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("form[data-ack-lines] input.qty")) syncReason(event.target);
  });
})();
