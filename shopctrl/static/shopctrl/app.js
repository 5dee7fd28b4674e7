// Small behaviours of the server-rendered pages, kept out of the templates (no inline
// scripts: the Content-Security-Policy allows none).
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);

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
