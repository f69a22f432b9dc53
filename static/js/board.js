// The schedule board (templates/rotations/schedule_detail.html): drag a visit to another
// cell to move it, onto another visit to swap the two, or do the same with the keyboard;
// undo and redo. Every edit is a POST to the board's JSON views (rotations.views.Board*),
// which check it with the solver's rules and answer with the cells to redraw or the rules'
// words. Without this script the grid is the same and each group's link opens the move form.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) return;

  var status = document.querySelector("[data-board-status]");
  var alertBox = document.querySelector("[data-board-alert]");
  var quality = document.querySelector("[data-quality]");
  var undoButton = document.querySelector("[data-board-undo]");
  var redoButton = document.querySelector("[data-board-redo]");
  var csrf = board.querySelector("input[name=csrfmiddlewaretoken]").value;
  var storeKey = "rounds.board." + board.dataset.event;
  var busy = false;

  // --- Layout preferences: remembered in this browser, applied when the URL names none. ---
  var prefKeys = { view: "rounds.board.view", compact: "rounds.board.compact" };
  document.querySelectorAll("[data-board-pref]").forEach(function (link) {
    link.addEventListener("click", function () {
      try { localStorage.setItem(prefKeys[link.dataset.boardPref], link.dataset.boardValue); } catch (e) { /* private mode */ }
    });
  });
  (function applyPrefs() {
    var params = new URLSearchParams(window.location.search);
    if (params.has("view") || params.has("compact")) return;
    var view, compact;
    try { view = localStorage.getItem(prefKeys.view); compact = localStorage.getItem(prefKeys.compact); } catch (e) { return; }
    var changed = false;
    if (view === "rounds") { params.set("view", "rounds"); changed = true; }
    if (compact === "1") { params.set("compact", "1"); changed = true; }
    if (changed) window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
  })();

  // --- Undo and redo: signed notes from the server, kept for this tab's session. ---------
  function loadStacks() {
    try { return JSON.parse(sessionStorage.getItem(storeKey)) || { undo: [], redo: [] }; } catch (e) { return { undo: [], redo: [] }; }
  }
  var stacks = loadStacks();
  function saveStacks() {
    try { sessionStorage.setItem(storeKey, JSON.stringify(stacks)); } catch (e) { /* private mode */ }
    undoButton.disabled = busy || !stacks.undo.length;
    redoButton.disabled = busy || !stacks.redo.length;
  }
  undoButton.hidden = redoButton.hidden = false;
  saveStacks();

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function refuse(messages) {
    alertBox.textContent = "";
    var lead = document.createElement("strong");
    lead.textContent = "Not moved: ";
    alertBox.appendChild(lead);
    alertBox.appendChild(document.createTextNode(messages.join(" ")));
    alertBox.hidden = false;
    say("Not moved. " + messages.join(" "));
  }
  var pending = sessionStorage.getItem(storeKey + ".said");
  if (pending) { sessionStorage.removeItem(storeKey + ".said"); say(pending); }

  // --- Talking to the server. -------------------------------------------------------------
  function post(url, fields, kind, focusAfter) {
    if (busy) return;
    busy = true;
    board.classList.add("is-saving");
    board.setAttribute("aria-busy", "true");
    saveStacks();
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key] == null ? "" : fields[key]); });
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, errors: ["The server answered " + response.status + "; nothing was changed. Reload the page."] }; });
      })
      .then(function (answer) {
        busy = false;
        board.classList.remove("is-saving");
        board.removeAttribute("aria-busy");
        if (!answer.ok) { saveStacks(); refuse(answer.errors || ["The move was refused."]); return; }
        if (kind === "undo") { stacks.undo.pop(); stacks.redo.push(answer.inverse); }
        else if (kind === "redo") { stacks.redo.pop(); stacks.undo.push(answer.inverse); }
        else { stacks.undo.push(answer.inverse); stacks.redo = []; }
        saveStacks();
        alertBox.hidden = true;
        if (answer.url) {
          // The change went to a draft of the published version: open it.
          try { sessionStorage.setItem(storeKey + ".said", answer.message); } catch (e) { /* private mode */ }
          window.location.assign(answer.url + window.location.search);
          return;
        }
        Object.keys(answer.cells).forEach(function (id) { var td = document.getElementById(id); if (td) td.innerHTML = answer.cells[id]; });
        Object.keys(answer.idle).forEach(function (id) { var td = document.getElementById(id); if (td) td.innerHTML = answer.idle[id]; });
        if (quality) quality.textContent = answer.quality;
        prepare();
        say(answer.message);
        if (focusAfter) focusChip(focusAfter.group, focusAfter.round);
      })
      .catch(function () {
        busy = false;
        board.classList.remove("is-saving");
        board.removeAttribute("aria-busy");
        saveStacks();
        refuse(["The server could not be reached; nothing was changed."]);
      });
  }

  function focusChip(group, round) {
    var chip = board.querySelector('[data-visit][data-group="' + group + '"][data-round="' + round + '"] .chip-name');
    if (chip) chip.focus();
  }

  function info(chip) {
    return { group: chip.dataset.group, round: chip.dataset.round, table: chip.dataset.table || "", name: chip.dataset.name, idle: chip.hasAttribute("data-idle") };
  }

  // A visit (or a group at no table) put on a cell, or on another visit.
  function drop(source, cell, onto) {
    var from = info(source);
    if (onto && onto !== source && !onto.hasAttribute("data-idle") && !from.idle) {
      var to = info(onto);
      post(board.dataset.swapUrl, { group: from.group, round: from.round, other_group: to.group, other_round: to.round }, "edit", { group: from.group, round: to.round });
      return;
    }
    var round = cell.dataset.round;
    if (cell.hasAttribute("data-idle")) {
      if (from.idle) return;
      if (round !== from.round) { refuse(["To take " + from.name + " out of round " + from.round + ", drop it on that round's \u201cNot at a table\u201d cell."]); return; }
      post(board.dataset.moveUrl, { group: from.group, from_round: from.round, round: round, table: "" }, "edit", { group: from.group, round: round });
      return;
    }
    if (round === from.round && cell.dataset.table === from.table) { say("Left where it was."); return; }
    post(board.dataset.moveUrl, { group: from.group, from_round: from.round, round: round, table: cell.dataset.table }, "edit", { group: from.group, round: round });
  }

  undoButton.addEventListener("click", function () {
    if (stacks.undo.length) post(board.dataset.replayUrl, { token: stacks.undo[stacks.undo.length - 1], direction: "undo" }, "undo");
  });
  redoButton.addEventListener("click", function () {
    if (stacks.redo.length) post(board.dataset.replayUrl, { token: stacks.redo[stacks.redo.length - 1], direction: "redo" }, "redo");
  });

  // --- Drag and drop. ---------------------------------------------------------------------
  var dragged = null;
  function prepare() {
    board.querySelectorAll("[data-visit]").forEach(function (chip) { chip.setAttribute("draggable", "true"); });
  }
  prepare();
  function clearOver() { board.querySelectorAll(".is-drop-over").forEach(function (el) { el.classList.remove("is-drop-over"); }); }
  board.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-visit]");
    if (!chip) return;
    dragged = chip;
    chip.classList.add("is-lifted");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.dataset.name);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-lifted");
    dragged = null;
    clearOver();
  });
  board.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var cell = event.target.closest && event.target.closest("td[data-cell]");
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("is-drop-over")) { clearOver(); cell.classList.add("is-drop-over"); }
  });
  board.addEventListener("drop", function (event) {
    if (!dragged) return;
    var cell = event.target.closest && event.target.closest("td[data-cell]");
    if (!cell) return;
    event.preventDefault();
    var source = dragged;
    source.classList.remove("is-lifted");
    dragged = null;
    clearOver();
    drop(source, cell, event.target.closest("[data-visit]"));
  });

  // --- The keyboard: pick up, choose a cell with the arrows, drop, swap or cancel. --------
  var carried = null;
  var target = null; // [row, column] of the cell chosen
  function grid() {
    return Array.prototype.map.call(board.querySelectorAll("tbody tr"), function (row) {
      return Array.prototype.slice.call(row.querySelectorAll("td[data-cell]"));
    }).filter(function (cells) { return cells.length; });
  }
  function cellAt(pos) { var rows = grid(); return rows[pos[0]] && rows[pos[0]][pos[1]]; }
  function describe(cell) {
    var names = Array.prototype.map.call(cell.querySelectorAll("[data-visit]"), function (chip) { return chip.dataset.name; });
    return cell.dataset.label + ": " + (names.length ? names.join("; ") : "empty");
  }
  function markTarget() {
    board.querySelectorAll("td.is-target").forEach(function (el) { el.classList.remove("is-target"); });
    var cell = cellAt(target);
    if (cell) { cell.classList.add("is-target"); cell.scrollIntoView({ block: "nearest", inline: "nearest" }); say(describe(cell)); }
  }
  function pickUp(chip) {
    carried = chip;
    chip.classList.add("is-lifted");
    var cell = chip.closest("td[data-cell]");
    var rows = grid();
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(cell);
      if (c >= 0) { target = [r, c]; break; }
    }
    say("Picked up " + chip.dataset.name + ", " + cell.dataset.label + ". Arrow keys choose a cell, Enter drops it there, S swaps it with the group there, Escape cancels.");
    board.querySelectorAll("td.is-target").forEach(function (el) { el.classList.remove("is-target"); });
    cellAt(target).classList.add("is-target");
  }
  function putDown() {
    if (carried) carried.classList.remove("is-lifted");
    board.querySelectorAll("td.is-target").forEach(function (el) { el.classList.remove("is-target"); });
    carried = null;
    target = null;
  }
  var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

  board.addEventListener("keydown", function (event) {
    var chip = event.target.closest && event.target.closest("[data-visit]");
    if (!carried) {
      if (chip && event.target.classList.contains("chip-name") && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        pickUp(chip);
      }
      return;
    }
    if (moves[event.key]) {
      event.preventDefault();
      var rows = grid();
      var r = Math.min(Math.max(target[0] + moves[event.key][0], 0), rows.length - 1);
      var c = Math.min(Math.max(target[1] + moves[event.key][1], 0), rows[r].length - 1);
      target = [r, c];
      markTarget();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      var source = carried, cell = cellAt(target);
      putDown();
      drop(source, cell, null);
    } else if (event.key === "s" || event.key === "S") {
      event.preventDefault();
      var from = carried, there = cellAt(target);
      var other = Array.prototype.find.call(there.querySelectorAll("[data-visit]:not([data-idle])"), function (el) { return el !== from; });
      if (!other) { say("There is no group in " + there.dataset.label + " to swap with."); return; }
      putDown();
      drop(from, there, other);
    } else if (event.key === "Escape") {
      event.preventDefault();
      var name = carried.dataset.name;
      putDown();
      say("Cancelled: " + name + " stays where it was.");
    } else if (event.key === "Tab") {
      putDown();
    }
  });

  // Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y) on the board undo and redo.
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || carried) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    var key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) { event.preventDefault(); undoButton.click(); }
    else if ((key === "z" && event.shiftKey) || key === "y") { event.preventDefault(); redoButton.click(); }
  });
})();
