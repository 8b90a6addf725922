/*
 * The preview player: plays the package's SCOs in a frame, one recording LMS
 * (static/lms_api.js) per SCO, as an LMS keeps one attempt per SCO, and shows
 * every API call and the data model as they happen.
 *
 * Read by the end-to-end tests through window.preview.
 */
(function () {
  "use strict";

  var doc = document;
  var config = JSON.parse(doc.getElementById("pv-config").textContent);
  var attempts = {}; // item id -> {lms, launches}
  var currentId = null;
  var frame = null;
  var renderPending = false;
  var renderedCalls = 0;
  var POLL_MS = 1000;

  function byId(id) {
    return doc.getElementById(id);
  }

  function itemById(id) {
    for (var i = 0; i < config.items.length; i += 1) {
      if (config.items[i].id === id) return config.items[i];
    }
    return null;
  }

  function is2004() {
    return config.standard === "2004";
  }

  // ------------------------------------------------------------ sessions

  // What the LMS knows of a SCO before its first launch: the manifest's
  // presets and, in SCORM 2004, whether there is a module before and after.
  function initialData(item) {
    var data = {};
    for (var key in item.preset) data[key] = item.preset[key];
    if (is2004()) {
      data["adl.nav.request_valid.continue"] = item.next ? "true" : "false";
      data["adl.nav.request_valid.previous"] = item.previous ? "true" : "false";
    }
    return data;
  }

  function attemptFor(item) {
    if (!attempts[item.id]) {
      var lms = new ScormpackLMS(config.standard, initialData(item), {
        onCall: scheduleRender,
        onNavigation: function (request) {
          // Called from inside the SCO's Terminate: act once it has returned.
          setTimeout(function () { navigate(item.id, request); }, 0);
        }
      });
      attempts[item.id] = { lms: lms, launches: 0 };
    }
    return attempts[item.id];
  }

  // Removing the frame is how an LMS leaves a SCO: the SCO's own pagehide
  // handler must save and terminate.
  function closeFrame() {
    if (frame) {
      var leaving = frame;
      frame = null;
      leaving.remove();
    }
    setButtons();
  }

  // how: "launch" (a new session on what is stored), or "reset" (a new attempt).
  function launch(id, how) {
    var item = itemById(id);
    if (!item) return;
    closeFrame();
    var attempt = attemptFor(item);
    if (how === "reset") {
      attempt.lms.reset();
      attempt.launches = 0;
    } else if (attempt.launches > 0) {
      attempt.lms.relaunch();
    }
    attempt.launches += 1;
    attempt.lms.install(window);
    currentId = id;
    renderedCalls = 0;
    byId("pv-calls").textContent = "";
    byId("pv-current").textContent = item.title;
    byId("pv-hint").hidden = true;
    markCurrent();
    frame = doc.createElement("iframe");
    frame.id = "pv-sco";
    frame.title = item.title;
    frame.src = item.href;
    byId("pv-frame").appendChild(frame);
    setButtons();
    render();
  }

  function navigate(fromId, request) {
    var index = -1;
    for (var i = 0; i < config.items.length; i += 1) {
      if (config.items[i].id === fromId) index = i;
    }
    var target = null;
    var choice = /^\{target=([^}]+)\}choice$/.exec(request);
    if (request === "continue") target = config.items[index + 1];
    else if (request === "previous") target = config.items[index - 1];
    else if (choice) target = itemById(choice[1]);
    if (target) {
      launch(target.id, "launch");
    } else if (fromId === currentId) {
      closeFrame();
      render();
    }
  }

  function setButtons() {
    var chosen = currentId !== null;
    byId("pv-relaunch").disabled = !chosen;
    byId("pv-reset").disabled = !chosen;
    byId("pv-close").disabled = !frame;
  }

  function markCurrent() {
    var links = doc.querySelectorAll("#pv-outline a.pv-launch");
    for (var i = 0; i < links.length; i += 1) {
      if (links[i].getAttribute("data-item") === currentId) links[i].setAttribute("aria-current", "true");
      else links[i].removeAttribute("aria-current");
    }
  }

  // -------------------------------------------------------------- panel

  var FIELDS_12 = [
    ["Status", "cmi.core.lesson_status"],
    ["Score (raw)", "cmi.core.score.raw"],
    ["Score min", "cmi.core.score.min"],
    ["Score max", "cmi.core.score.max"],
    ["Mastery score", "cmi.student_data.mastery_score"],
    ["Location", "cmi.core.lesson_location"],
    ["Suspend data", "cmi.suspend_data"],
    ["Entry", "cmi.core.entry"],
    ["Exit", "cmi.core.exit"],
    ["Session time", "cmi.core.session_time"],
    ["Total time", "cmi.core.total_time"]
  ];
  var FIELDS_2004 = [
    ["Completion", "cmi.completion_status"],
    ["Success", "cmi.success_status"],
    ["Score (scaled)", "cmi.score.scaled"],
    ["Score (raw)", "cmi.score.raw"],
    ["Score min", "cmi.score.min"],
    ["Score max", "cmi.score.max"],
    ["Passing score", "cmi.scaled_passing_score"],
    ["Progress", "cmi.progress_measure"],
    ["Location", "cmi.location"],
    ["Suspend data", "cmi.suspend_data"],
    ["Entry", "cmi.entry"],
    ["Exit", "cmi.exit"],
    ["Session time", "cmi.session_time"],
    ["Total time", "cmi.total_time"],
    ["Navigation request", "adl.nav.request"]
  ];

  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    setTimeout(render, 30);
  }

  function cell(row, text, tag) {
    var node = doc.createElement(tag || "td");
    node.textContent = text;
    row.appendChild(node);
    return node;
  }

  function interactionsOf(state) {
    var records = [];
    for (var key in state) {
      var m = /^cmi\.interactions\.(\d+)\.(.+)$/.exec(key);
      if (!m || /__exists$/.test(m[2])) continue;
      var index = +m[1];
      records[index] = records[index] || {};
      records[index][m[2]] = state[key];
    }
    return records;
  }

  function render() {
    renderPending = false;
    var attempt = currentId !== null ? attempts[currentId] : null;
    var lms = attempt ? attempt.lms : null;
    var state = lms ? lms.state : {};

    byId("pv-session").textContent = lms
      ? "Session " + lms.session + " of this attempt" + (lms.terminated ? ", ended." : lms.initialized ? ", running." : ", not initialized yet.")
      : "No session yet.";

    var list = byId("pv-state");
    list.textContent = "";
    (is2004() ? FIELDS_2004 : FIELDS_12).forEach(function (field) {
      var dt = doc.createElement("dt");
      dt.textContent = field[0];
      var dd = doc.createElement("dd");
      dd.setAttribute("data-element", field[1]);
      var value = state[field[1]];
      dd.textContent = value === undefined || value === "" ? "(not set)" : String(value);
      if (value === undefined || value === "") dd.className = "pv-unset";
      list.appendChild(dt);
      list.appendChild(dd);
    });

    var body = byId("pv-interactions").tBodies[0];
    body.textContent = "";
    interactionsOf(state).forEach(function (record, index) {
      if (!record) return;
      var row = doc.createElement("tr");
      cell(row, String(index), "th").setAttribute("scope", "row");
      cell(row, record.id || "");
      cell(row, record.type || "");
      cell(row, record[is2004() ? "learner_response" : "student_response"] || "");
      cell(row, record["correct_responses.0.pattern"] || "");
      cell(row, record.result || "");
      cell(row, record.weighting || "");
      cell(row, record.latency || "");
      body.appendChild(row);
    });

    var log = lms ? lms.log : [];
    var calls = byId("pv-calls");
    if (log.length < renderedCalls) {
      calls.textContent = "";
      renderedCalls = 0;
    }
    for (; renderedCalls < log.length; renderedCalls += 1) {
      var entry = log[renderedCalls];
      var item = doc.createElement("li");
      var failed = entry.error !== null && entry.error !== "0";
      item.className = failed ? "pv-call pv-call-failed" : "pv-call";
      item.textContent = "S" + entry.session + " " + entry.call + "(" +
        entry.args.map(function (arg) { return JSON.stringify(arg); }).join(", ") + ") \u2192 " +
        JSON.stringify(entry.result) + (failed ? " error " + entry.error : "");
      calls.appendChild(item);
    }
    byId("pv-call-count").textContent = "(" + log.length + ")";
  }

  // ------------------------------------------------------------ rebuilds

  function applyState(next) {
    var rebuilt = next.build !== config.build;
    var errorBox = byId("pv-build-error");
    byId("pv-build-error-text").textContent = next.error || "";
    errorBox.hidden = !next.error;
    if (!rebuilt) return;
    config = next;
    byId("pv-build").textContent = "Build " + next.build + " at " + next.builtAt;
    byId("pv-outline").innerHTML = next.outlineHtml;
    markCurrent();
    // Show the new build of the module being played, resumed where it was.
    if (currentId !== null && frame) {
      if (itemById(currentId)) launch(currentId, "launch");
      else closeFrame();
    }
  }

  function poll() {
    fetch("__preview/state.json", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (next) {
        if (next && next.attempt !== config.attempt) {
          config.attempt = next.attempt;
          applyState(next);
        }
      })
      .catch(function () { /* the preview was stopped: nothing to show */ })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  // -------------------------------------------------------------- wiring

  byId("pv-outline").addEventListener("click", function (event) {
    var link = event.target.closest("a.pv-launch");
    if (!link) return;
    event.preventDefault();
    launch(link.getAttribute("data-item"), "launch");
  });
  byId("pv-relaunch").addEventListener("click", function () { launch(currentId, "launch"); });
  byId("pv-reset").addEventListener("click", function () { launch(currentId, "reset"); });
  byId("pv-close").addEventListener("click", function () {
    closeFrame();
    render();
  });

  window.preview = {
    get standard() { return config.standard; },
    get build() { return config.build; },
    get items() { return config.items.slice(); },
    get current() { return currentId; },
    lms: function (id) { return attempts[id] ? attempts[id].lms : null; },
    launch: function (id) { launch(id, "launch"); },
    relaunch: function () { launch(currentId, "launch"); },
    reset: function () { launch(currentId, "reset"); },
    close: function () { closeFrame(); render(); }
  };

  setButtons();
  render();
  setTimeout(poll, POLL_MS);
})();
