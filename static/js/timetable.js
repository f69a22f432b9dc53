// Event form: show the timetable that the start time, rounds and minutes give, as they change.
(function () {
  "use strict";
  var preview = document.getElementById("timetable-preview");
  if (!preview) return;
  function field(name) {
    return document.querySelector('[data-timetable-input="' + name + '"]');
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(minutes) {
    minutes = ((minutes % 1440) + 1440) % 1440;
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }
  function update() {
    var start = (field("start_time").value || "").split(":");
    var rounds = parseInt(field("rounds").value, 10);
    var length = parseInt(field("round_minutes").value, 10);
    var gap = parseInt(field("transition_minutes").value, 10) || 0;
    if (start.length < 2 || !(rounds > 0) || !(length > 0)) {
      preview.textContent = "";
      return;
    }
    var at = parseInt(start[0], 10) * 60 + parseInt(start[1], 10);
    var end = at + rounds * length + (rounds - 1) * gap;
    var first = clock(at) + "–" + clock(at + length);
    preview.textContent = "Timetable: " + rounds + " rounds from " + clock(at) + " to " + clock(end) +
      " (round 1 " + first + (rounds > 1 ? ", round 2 " + clock(at + length + gap) + "–" +
      clock(at + 2 * length + gap) : "") + ", …).";
  }
  ["start_time", "rounds", "round_minutes", "transition_minutes"].forEach(function (name) {
    var input = field(name);
    if (input) input.addEventListener("input", update);
  });
  update();
})();
