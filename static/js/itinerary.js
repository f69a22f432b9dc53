// Itinerary pages: [data-print] prints the page (its href, a print-friendly view, is the
// fallback without JavaScript); [data-copy="ID"] copies the value of the input with that id.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var print = event.target.closest("[data-print]");
    if (print && typeof window.print === "function") {
      event.preventDefault();
      window.print();
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.getElementById(copy.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      var done = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else if (document.execCommand("copy")) {
        done();
      }
    }
  });
}());
