// The advice box (templates/rotations/includes/advice.html) while the advice is being worked
// out: fetch this page again every few seconds and swap in its advice box once it is there.
(function () {
  "use strict";
  var tries = 0;

  function poll() {
    var box = document.querySelector("[data-advice]");
    if (!box || !box.querySelector("[data-advice-pending]") || tries++ > 40) return;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-advice]");
        if (fresh && !fresh.querySelector("[data-advice-pending]")) {
          box.replaceWith(document.importNode(fresh, true));
        } else {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 6000);
      });
  }

  window.setTimeout(poll, 3000);
})();
