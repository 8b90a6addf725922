/*
 * scormpack offline web edition: progress kept in the browser, no LMS.
 *
 * Loaded before scormpack.js on the web edition's pages only, opened from
 * file:// or a USB stick: it reads nothing with fetch or XHR and is a plain
 * script (no ES modules), so it runs from a folder on disk.
 *
 * On a module page it gives the runtime a local store to report to, shaped
 * like the runtime's LMS adapters (the element names it writes for SCORM 2004):
 * the place, the visited pages and the last answers (the runtime's own saved
 * state), completion, success and score, kept in localStorage under a key
 * namespaced by course, bundle, language and version (#sp-web). "Next module"
 * and "Previous module" are offered as an LMS would, from the links in the
 * page's header. On the front page it shows each module's progress; on the
 * handout, the print button. On a page with a captioned player, it gives the
 * player its caption tracks from the cues the page carries (#sp-captions).
 */
(function () {
  "use strict";

  var doc = document;

  function readJson(id) {
    var node = doc.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  var store = readJson("sp-web") || { prefix: "scormpack:", modules: [] };

  // localStorage may be missing or refused (a browser's privacy setting): the
  // pages then work the same, without remembering anything.
  function storage() {
    try {
      return window.localStorage || null;
    } catch (e) {
      return null;
    }
  }

  function readRecord(moduleId) {
    var shelf = storage();
    if (!shelf) return null;
    try {
      var record = JSON.parse(shelf.getItem(store.prefix + moduleId) || "null");
      return record && typeof record === "object" && !Array.isArray(record) ? record : null;
    } catch (e) {
      return null;
    }
  }

  function writeRecord(moduleId, record) {
    var shelf = storage();
    if (!shelf) return false;
    try {
      shelf.setItem(store.prefix + moduleId, JSON.stringify(record));
      return true;
    } catch (e) {
      return false; // full, or refused
    }
  }

  // The runtime's words come from the page (#sp-messages), as in scormpack.js;
  // read once the page is parsed (this file loads in its head, before them).
  var messages = null;
  var numberFormat = null;

  function readMessages() {
    messages = readJson("sp-messages") || {};
    var numbersNode = doc.getElementById("sp-messages");
    try {
      numberFormat = new Intl.NumberFormat(doc.documentElement.lang || undefined, {
        numberingSystem: (numbersNode && numbersNode.getAttribute("data-numbers")) || "latn",
        maximumFractionDigits: 2
      });
    } catch (e) {
      numberFormat = null;
    }
  }

  function message(id, values) {
    if (messages === null) readMessages();
    var text = messages[id];
    if (typeof text !== "string") return "";
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      var value = values && values[name];
      if (value === undefined) return whole;
      return typeof value === "number" && numberFormat ? numberFormat.format(value) : String(value);
    });
  }

  // ------------------------------------------------ the module page's store

  // Element names as the runtime writes them for SCORM 2004 (FORMAT: its
  // response formats, which a local store has no use for: it keeps no interactions).
  var FORMAT = {
    list: "[,]",
    pair: "[.]",
    trueFalse: function (value) { return value ? "true" : "false"; },
    fillinPattern: function (text) { return text; },
    wrong: "incorrect"
  };

  var FIELDS = {
    "cmi.location": "location",
    "cmi.suspend_data": "state",
    "cmi.completion_status": "completion",
    "cmi.success_status": "success",
    "cmi.score.raw": "score"
  };

  function neighbour(rel) {
    var link = doc.querySelector('.sp-web-nav a[rel="' + rel + '"]');
    return link ? link.href : null;
  }

  function LocalStore(moduleId) {
    this.moduleId = moduleId;
    this.record = readRecord(moduleId) || {};
    this.local = true; // not an LMS: the runtime leaves links alone
    this.is2004 = true;
    this.version = "local";
    this.format = FORMAT;
    this.active = false;
    this.request = null;
    this.targets = { "continue": neighbour("next"), previous: neighbour("prev") };
  }

  LocalStore.prototype.initialize = function () {
    this.active = true;
    return true;
  };

  LocalStore.prototype.el = function (name12, name2004) {
    return name2004;
  };

  LocalStore.prototype.get = function (element) {
    var valid = /^adl\.nav\.request_valid\.(continue|previous)$/.exec(element);
    if (valid) return this.targets[valid[1]] ? "true" : "false";
    var field = FIELDS[element];
    var value = field ? this.record[field] : undefined;
    return value === undefined || value === null ? "" : String(value);
  };

  LocalStore.prototype.set = function (element, value) {
    if (!this.active) return false;
    if (element === "adl.nav.request") {
      this.request = String(value);
      return true;
    }
    var field = FIELDS[element];
    if (field) this.record[field] = field === "score" ? Number(value) : String(value);
    return true;
  };

  LocalStore.prototype.commit = function () {
    return this.active && writeRecord(this.moduleId, this.record);
  };

  LocalStore.prototype.recordInteraction = function () {};

  // Ends the session; a "Next module" or "Previous module" request then opens that module.
  LocalStore.prototype.terminate = function () {
    if (!this.active) return false;
    writeRecord(this.moduleId, this.record);
    this.active = false;
    var target = this.request && this.targets[this.request];
    if (target) window.location.href = target;
    return true;
  };

  // ------------------------------------------------------------- captions

  // A <track> names a WebVTT file the browser loads by address, and Chromium
  // refuses that to a page opened from file://: no captions. The page carries
  // each track's cues (#sp-captions, by the track's src), so each <track> is
  // replaced by a track made here with the same kind, label, language and
  // default, holding those cues. Replaced, not added to: over http both would
  // load, and the learner would find every language twice. Done as each
  // <track> is parsed, before the player chooses its default track and starts
  // loading it (which on file:// is an error in the console); without
  // JavaScript the <track> elements stay, and work over http.
  var captions = readJson("sp-captions");
  // VTTCue's properties, in the order they are set (snapToLines changes what line means).
  var CUE_SETTINGS = ["vertical", "snapToLines", "line", "lineAlign", "position", "positionAlign", "size", "align"];

  function makeCue(data) {
    var cue = new window.VTTCue(data.start, data.end, data.text); // cue text: the browser's cue parser reads it, never as HTML
    if (data.id) cue.id = data.id;
    var settings = data.settings || {};
    CUE_SETTINGS.forEach(function (name) {
      if (!Object.prototype.hasOwnProperty.call(settings, name)) return;
      try {
        cue[name] = settings[name];
      } catch (e) {
        // a browser without this setting shows the cue where it would anyway
      }
    });
    return cue;
  }

  function replaceTrack(element) {
    var player = element.parentNode;
    var cues = captions && captions[element.getAttribute("src")];
    if (!cues || !player || typeof player.addTextTrack !== "function") return;
    var made;
    try {
      made = cues.map(makeCue);
    } catch (e) {
      return; // no VTTCue in this browser: the <track> stays
    }
    var track = player.addTextTrack(element.kind || "subtitles", element.label, element.srclang);
    made.forEach(function (cue) { track.addCue(cue); });
    track.mode = element.hasAttribute("default") ? "showing" : "disabled";
    player.removeChild(element);
  }

  function replaceTracksIn(node) {
    if (node.nodeType !== 1) return;
    if (node.nodeName === "TRACK") replaceTrack(node);
    else Array.prototype.forEach.call(node.querySelectorAll("track[src]"), replaceTrack);
  }

  var trackWatch = null;
  if (captions && typeof window.MutationObserver === "function") {
    trackWatch = new window.MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, replaceTracksIn);
      });
    });
    trackWatch.observe(doc.documentElement, { childList: true, subtree: true });
  }

  function setUpCaptions() {
    if (trackWatch) trackWatch.disconnect();
    if (captions) replaceTracksIn(doc.documentElement); // any the watch did not see
  }

  // ---------------------------------------------------------- the front page

  function statusText(record) {
    if (!record) return message("web_not_started");
    var score = typeof record.score === "number" && isFinite(record.score) ? record.score : null;
    if (record.success === "passed") return message("web_passed", { score: score === null ? 100 : score });
    if (record.success === "failed") return message("web_not_passed", { score: score === null ? 0 : score });
    if (record.completion === "completed") return message("web_completed");
    return message("web_in_progress");
  }

  function showProgress() {
    var known = false;
    if (!storage()) return; // nothing is remembered in this browser: say nothing rather than "not started"
    Array.prototype.forEach.call(doc.querySelectorAll("[data-sp-status]"), function (node) {
      var record = readRecord(node.getAttribute("data-sp-status"));
      if (record) known = true;
      node.textContent = statusText(record);
      node.setAttribute("data-sp-state", record ? record.success || record.completion || "incomplete" : "not-started");
    });
    var forget = doc.getElementById("sp-web-forget");
    if (forget) forget.hidden = !known || !storage();
  }

  function forgetProgress() {
    var shelf = storage();
    if (!shelf) return;
    store.modules.forEach(function (moduleId) {
      try {
        shelf.removeItem(store.prefix + moduleId);
      } catch (e) {
        // nothing to do: it stays
      }
    });
    showProgress();
  }

  function setUpPage() {
    setUpCaptions();
    if (doc.querySelector("[data-sp-status]")) {
      showProgress();
      var forget = doc.getElementById("sp-web-forget");
      if (forget) forget.addEventListener("click", forgetProgress);
    }
    Array.prototype.forEach.call(doc.querySelectorAll("[data-sp-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", setUpPage);
  else setUpPage();

  // A page the browser brings back from its history cache ended its session when
  // it was left: load it again, so it starts a new one from what was kept.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  window.ScormpackWeb = {
    // The store scormpack.js reports to on a module page (null elsewhere).
    adapter: function () {
      return store.module ? new LocalStore(store.module) : null;
    },
    record: readRecord
  };
})();
