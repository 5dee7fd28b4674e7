// While a form is submitted by a button with data-busy-label (e.g. "Testing…" on Test
// connection), that button shows the label and every button of the form is disabled, so a
// person sees the request running and cannot send a second one. A static file, not an
// inline script: the Content-Security-Policy allows no inline scripts.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (event.defaultPrevented || !button || !button.dataset.busyLabel) return;
    var form = event.target;
    // The entry list is built after this event and leaves disabled buttons out: carry the
    // clicked button's name and value over in a hidden field.
    if (button.name) {
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = button.name;
      carried.value = button.value;
      carried.setAttribute("data-busy-carried", "");
      form.appendChild(carried);
    }
    button.dataset.idleLabel = button.textContent;
    button.textContent = button.dataset.busyLabel;
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button").forEach(function (each) {
      each.disabled = true;
    });
  });

  // Back/forward cache: a page shown again must not keep its buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-busy-carried]").forEach(function (input) {
        input.remove();
      });
      form.querySelectorAll("button").forEach(function (each) {
        each.disabled = false;
        if (each.dataset.idleLabel) each.textContent = each.dataset.idleLabel;
      });
    });
  });
})();
