// Small behaviours for the organizer's forms, attached by data- attributes (no inline script).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <select data-autosubmit>: submit its form on change (the "Set" button is for no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit();
    });
  });

  // Catalogue: select all checkboxes on the page and count the selection.
  var selectAll = document.querySelector("[data-select-all]");
  var counter = document.querySelector("[data-selected-count]");
  function boxes() {
    return document.querySelectorAll('input[type="checkbox"][name="clinicians"]');
  }
  function updateCount() {
    if (!counter) return;
    var n = 0;
    boxes().forEach(function (box) { if (box.checked) n += 1; });
    counter.textContent = n;
  }
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = selectAll.checked; });
      updateCount();
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "clinicians") updateCount();
  });
  updateCount();

  // <input data-filter-rows="#table">: hide rows whose data-filter-text lacks the typed text.
  document.querySelectorAll("[data-filter-rows]").forEach(function (input) {
    var table = document.querySelector(input.dataset.filterRows);
    input.addEventListener("input", function () {
      var text = input.value.trim().toLowerCase();
      table.querySelectorAll("tr[data-filter-text]").forEach(function (row) {
        row.hidden = text !== "" && row.dataset.filterText.indexOf(text) === -1;
      });
    });
  });
})();
