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
})();
