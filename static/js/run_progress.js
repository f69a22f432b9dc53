// Solve run page: poll the run's JSON status every second, move the progress bar, and reload
// the page when the run ends so the server renders the result.
(function () {
  "use strict";
  var card = document.getElementById("run");
  if (!card) return;
  var bar = card.querySelector("[data-run-bar]");
  var message = card.querySelector("[data-run-message]");
  var figures = card.querySelector("[data-run-figures]");
  var progress = card.querySelector('[role="progressbar"]');
  // The server renders the value (no inline styles under the CSP): draw the bar's width.
  bar.style.width = (progress.getAttribute("aria-valuenow") || 0) + "%";
  if (card.dataset.active !== "true") return;
  var failures = 0;

  function show(status) {
    var value = Math.max(0, Math.min(100, status.progress || 0));
    bar.style.width = value + "%";
    bar.textContent = value + "%";
    progress.setAttribute("aria-valuenow", value);
    if (status.message) message.textContent = status.message;
    if (status.visits !== null && status.visits !== undefined) {
      figures.textContent = "Best so far: " + status.visits + " visits" +
        (status.visits_upper_bound ? " of at most " + status.visits_upper_bound : "") + ".";
    }
  }

  function poll() {
    fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.is_active) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        failures += 1;
        message.textContent = "Lost contact with the server; retrying…";
        window.setTimeout(poll, Math.min(10000, 1000 * failures));
      });
  }
  poll();
})();
