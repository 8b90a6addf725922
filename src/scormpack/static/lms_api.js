/*
 * A recording LMS-side SCORM API, for tests and for previewing packages.
 *
 *   var lms = new ScormpackLMS("1.2", {"cmi.core.student_name": "Doe, Jane"});
 *   lms.install(window);            // window.API (or API_1484_11), lmsLog, lmsState
 *   ...play a SCO in an iframe...
 *   lms.relaunch();                 // a new session on the stored data
 *
 * It keeps a data model with the access rules, vocabularies and formats of
 * the elements a SCO commonly uses, answers with the standard error codes,
 * and logs every call (name, arguments, result, error code) in `log`.
 * What a real LMS would keep between sessions lives in `stored`; it is
 * updated on Commit and on Terminate/LMSFinish, as in Moodle.
 */
(function (global) {
  "use strict";

  // ------------------------------------------------------------- formats

  var RE = {
    decimal: /^-?\d+(\.\d+)?$/,
    real: /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/,
    identifier12: /^[\x21-\x7e]{1,255}$/,
    timespan12: /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/,
    time12: /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$/,
    duration: /^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$/,
    timestamp: /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2}(Z|[+-]\d{2}(:\d{2})?)?)?)?)?)?)?)?$/,
    shortId: /^[^\s\[\]]{1,250}$/,
    longId: /^[^\s]{1,4000}$/
  };

  var ERRORS_12 = {
    "0": "No error",
    "101": "General exception",
    "201": "Invalid argument error",
    "202": "Element cannot have children",
    "203": "Element not an array - cannot have count",
    "301": "Not initialized",
    "401": "Not implemented error",
    "402": "Invalid set value, element is a keyword",
    "403": "Element is read only",
    "404": "Element is write only",
    "405": "Incorrect data type"
  };

  var ERRORS_2004 = {
    "0": "No Error",
    "101": "General Exception",
    "102": "General Initialization Failure",
    "103": "Already Initialized",
    "104": "Content Instance Terminated",
    "111": "General Termination Failure",
    "112": "Termination Before Initialization",
    "113": "Termination After Termination",
    "122": "Retrieve Data Before Initialization",
    "123": "Retrieve Data After Termination",
    "132": "Store Data Before Initialization",
    "133": "Store Data After Termination",
    "142": "Commit Before Initialization",
    "143": "Commit After Termination",
    "201": "General Argument Error",
    "301": "General Get Failure",
    "351": "General Set Failure",
    "391": "General Commit Failure",
    "401": "Undefined Data Model Element",
    "402": "Unimplemented Data Model Element",
    "403": "Data Model Element Value Not Initialized",
    "404": "Data Model Element Is Read Only",
    "405": "Data Model Element Is Write Only",
    "406": "Data Model Element Type Mismatch",
    "407": "Data Model Element Value Out Of Range",
    "408": "Data Model Dependency Not Established"
  };

  // A check returns null when the value is fine, else an error kind:
  // "type" (1.2: 405, 2004: 406) or "range" (1.2: 405, 2004: 407).
  function maxLength(limit) {
    return function (v) { return v.length <= limit ? null : "type"; };
  }
  function vocabulary(words) {
    return function (v) { return words.indexOf(v) >= 0 ? null : "type"; };
  }
  function matches(re) {
    return function (v) { return re.test(v) ? null : "type"; };
  }
  function number(re, min, max) {
    return function (v) {
      if (!re.test(v)) return "type";
      var n = Number(v);
      if ((min !== null && n < min) || (max !== null && n > max)) return "range";
      return null;
    };
  }
  function decimal12Blank(min, max) {
    var check = number(RE.decimal, min, max);
    return function (v) { return v === "" ? null : check(v); };
  }

  // Response formats by interaction type (2004 "[,]" lists; 1.2 "," lists).
  function list2004(value, itemCheck) {
    var items = value.split("[,]");
    var seen = {};
    for (var i = 0; i < items.length; i += 1) {
      if (!itemCheck(items[i])) return false;
      seen[items[i]] = true;
    }
    return true;
  }
  function stripLocalisation(value) {
    return value.replace(/^(\{(lang|case_matters|order_matters)=[^}]*\})+/, "");
  }
  var RESPONSE_2004 = {
    "true-false": function (v) { return v === "true" || v === "false"; },
    "choice": function (v) {
      if (v === "") return true;
      var items = v.split("[,]");
      var unique = items.filter(function (x, i) { return items.indexOf(x) === i; });
      return unique.length === items.length && items.every(function (x) { return RE.shortId.test(x); });
    },
    "fill-in": function (v) {
      return list2004(stripLocalisation(v), function (x) { return x.length <= 250; });
    },
    "long-fill-in": function (v) { return v.length <= 4000; },
    "matching": function (v) {
      return list2004(v, function (x) {
        var pair = x.split("[.]");
        return pair.length === 2 && RE.shortId.test(pair[0]) && RE.shortId.test(pair[1]);
      });
    },
    "sequencing": function (v) { return list2004(v, function (x) { return RE.shortId.test(x); }); },
    "likert": function (v) { return RE.shortId.test(v); },
    "numeric": function (v) { return RE.real.test(v); },
    "performance": function (v) { return v.length <= 4000; },
    "other": function (v) { return v.length <= 4000; }
  };
  var ID12 = /^[0-9a-z]$/;
  var RESPONSE_12 = {
    "true-false": function (v) { return /^[01tf]$/.test(v); },
    "choice": function (v) {
      return v === "" || /^\{.*\}$/.test(v) || v.split(",").every(function (x) { return ID12.test(x); });
    },
    "fill-in": function (v) { return v.length <= 255; },
    "matching": function (v) {
      return v.split(",").every(function (x) { return /^[0-9a-z]\.[0-9a-z]$/.test(x); });
    },
    "sequencing": function (v) { return v.split(",").every(function (x) { return ID12.test(x); }); },
    "likert": function (v) { return v.length <= 1; },
    "numeric": function (v) { return RE.decimal.test(v); },
    "performance": function (v) { return v.length <= 255; }
  };

  // ------------------------------------------------------- data models

  // Scalar elements: access ("ro", "wo", "rw"), check, default.
  // A default of undefined means "never set" (2004 answers 403 when read).
  function model12() {
    var status = ["passed", "completed", "failed", "incomplete", "browsed"];
    return {
      version: "1.2",
      scalars: {
        "cmi.core._children": { access: "ro", value: "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time" },
        "cmi.core.student_id": { access: "ro", value: "learner-1" },
        "cmi.core.student_name": { access: "ro", value: "Learner, Test" },
        "cmi.core.lesson_location": { access: "rw", check: maxLength(255), value: "" },
        "cmi.core.credit": { access: "ro", value: "credit" },
        "cmi.core.lesson_status": { access: "rw", check: vocabulary(status), value: "not attempted" },
        "cmi.core.entry": { access: "ro", value: "ab-initio" },
        "cmi.core.score._children": { access: "ro", value: "raw,min,max" },
        "cmi.core.score.raw": { access: "rw", check: decimal12Blank(0, 100), value: "" },
        "cmi.core.score.min": { access: "rw", check: decimal12Blank(0, 100), value: "" },
        "cmi.core.score.max": { access: "rw", check: decimal12Blank(0, 100), value: "" },
        "cmi.core.total_time": { access: "ro", value: "0000:00:00.00" },
        "cmi.core.lesson_mode": { access: "ro", value: "normal" },
        "cmi.core.exit": { access: "wo", check: vocabulary(["time-out", "suspend", "logout", ""]), value: "" },
        "cmi.core.session_time": { access: "wo", check: matches(RE.timespan12), value: "0000:00:00.00" },
        "cmi.suspend_data": { access: "rw", check: maxLength(4096), value: "" },
        "cmi.launch_data": { access: "ro", value: "" },
        "cmi.comments": { access: "rw", check: maxLength(4096), value: "" },
        "cmi.comments_from_lms": { access: "ro", value: "" },
        "cmi.student_data._children": { access: "ro", value: "mastery_score,max_time_allowed,time_limit_action" },
        "cmi.student_data.mastery_score": { access: "ro", value: "" },
        "cmi.student_data.max_time_allowed": { access: "ro", value: "" },
        "cmi.student_data.time_limit_action": { access: "ro", value: "" },
        "cmi.student_preference._children": { access: "ro", value: "audio,language,speed,text" },
        "cmi.student_preference.audio": { access: "rw", check: number(RE.decimal, -1, 100), value: "0" },
        "cmi.student_preference.language": { access: "rw", check: maxLength(255), value: "" },
        "cmi.student_preference.speed": { access: "rw", check: number(RE.decimal, -100, 100), value: "0" },
        "cmi.student_preference.text": { access: "rw", check: vocabulary(["-1", "0", "1"]), value: "0" }
      },
      collections: {
        "cmi.interactions": {
          children: "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
          fields: {
            "id": { access: "wo", check: matches(RE.identifier12) },
            "time": { access: "wo", check: matches(RE.time12) },
            "type": { access: "wo", check: vocabulary(["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"]) },
            "weighting": { access: "wo", check: number(RE.decimal, null, null) },
            "student_response": { access: "wo", response: true },
            "result": { access: "wo", check: function (v) { return ["correct", "wrong", "unanticipated", "neutral"].indexOf(v) >= 0 || RE.decimal.test(v) ? null : "type"; } },
            "latency": { access: "wo", check: matches(RE.timespan12) }
          },
          collections: {
            "objectives": { children: "id", fields: { "id": { access: "wo", check: matches(RE.identifier12) } } },
            "correct_responses": { children: "pattern", fields: { "pattern": { access: "wo", response: true } } }
          }
        },
        "cmi.objectives": {
          children: "id,score,status",
          fields: {
            "id": { access: "rw", check: matches(RE.identifier12) },
            "score._children": { access: "ro", value: "raw,min,max" },
            "score.raw": { access: "rw", check: decimal12Blank(0, 100) },
            "score.min": { access: "rw", check: decimal12Blank(0, 100) },
            "score.max": { access: "rw", check: decimal12Blank(0, 100) },
            "status": { access: "rw", check: vocabulary(["passed", "completed", "failed", "incomplete", "browsed", "not attempted"]) }
          },
          collections: {}
        }
      },
      // Kept from one session to the next (with the collections).
      persistent: ["cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.core.score.raw",
        "cmi.core.score.min", "cmi.core.score.max", "cmi.suspend_data", "cmi.comments",
        "cmi.core.total_time"]
    };
  }

  function model2004() {
    var real = function (min, max) { return number(RE.real, min, max); };
    return {
      version: "2004",
      scalars: {
        "cmi._version": { access: "ro", value: "1.0" },
        "cmi.completion_status": { access: "rw", check: vocabulary(["completed", "incomplete", "not attempted", "unknown"]), value: "unknown" },
        "cmi.completion_threshold": { access: "ro" },
        "cmi.credit": { access: "ro", value: "credit" },
        "cmi.entry": { access: "ro", value: "ab-initio" },
        "cmi.exit": { access: "wo", check: vocabulary(["time-out", "suspend", "logout", "normal", ""]) },
        "cmi.launch_data": { access: "ro" },
        "cmi.learner_id": { access: "ro", value: "learner-1" },
        "cmi.learner_name": { access: "ro", value: "Test Learner" },
        "cmi.learner_preference._children": { access: "ro", value: "audio_level,language,delivery_speed,audio_captioning" },
        "cmi.learner_preference.audio_level": { access: "rw", check: real(0, null), value: "1" },
        "cmi.learner_preference.language": { access: "rw", check: maxLength(250), value: "" },
        "cmi.learner_preference.delivery_speed": { access: "rw", check: real(0, null), value: "1" },
        "cmi.learner_preference.audio_captioning": { access: "rw", check: vocabulary(["-1", "0", "1"]), value: "0" },
        "cmi.location": { access: "rw", check: maxLength(1000) },
        "cmi.max_time_allowed": { access: "ro" },
        "cmi.mode": { access: "ro", value: "normal" },
        "cmi.progress_measure": { access: "rw", check: real(0, 1) },
        "cmi.scaled_passing_score": { access: "ro" },
        "cmi.score._children": { access: "ro", value: "scaled,raw,min,max" },
        "cmi.score.scaled": { access: "rw", check: real(-1, 1) },
        "cmi.score.raw": { access: "rw", check: real(null, null) },
        "cmi.score.min": { access: "rw", check: real(null, null) },
        "cmi.score.max": { access: "rw", check: real(null, null) },
        "cmi.session_time": { access: "wo", check: matches(RE.duration) },
        "cmi.success_status": { access: "rw", check: vocabulary(["passed", "failed", "unknown"]), value: "unknown" },
        "cmi.suspend_data": { access: "rw", check: maxLength(64000) },
        "cmi.time_limit_action": { access: "ro", value: "continue,no message" },
        "cmi.total_time": { access: "ro", value: "PT0S" },
        "adl.nav.request": { access: "rw", check: function (v) { return /^(continue|previous|exit|exitAll|abandon|abandonAll|suspendAll|_none_|\{target=[^}]+\}(choice|jump))$/.test(v) ? null : "type"; }, value: "_none_" },
        "adl.nav.request_valid.continue": { access: "ro", value: "unknown" },
        "adl.nav.request_valid.previous": { access: "ro", value: "unknown" }
      },
      unimplemented: ["cmi.comments_from_learner", "cmi.comments_from_lms"],
      collections: {
        "cmi.interactions": {
          children: "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
          fields: {
            "id": { access: "rw", check: matches(RE.longId) },
            "type": { access: "rw", check: vocabulary(["true-false", "choice", "fill-in", "long-fill-in", "likert", "matching", "performance", "sequencing", "numeric", "other"]) },
            "timestamp": { access: "rw", check: matches(RE.timestamp) },
            "weighting": { access: "rw", check: real(null, null) },
            "learner_response": { access: "rw", response: true, needsType: true },
            "result": { access: "rw", check: function (v) { return ["correct", "incorrect", "unanticipated", "neutral"].indexOf(v) >= 0 || RE.real.test(v) ? null : "type"; } },
            "latency": { access: "rw", check: matches(RE.duration) },
            "description": { access: "rw", check: function (v) { return stripLocalisation(v).length <= 250 ? null : "type"; } }
          },
          collections: {
            "objectives": { children: "id", fields: { "id": { access: "rw", check: matches(RE.longId) } } },
            "correct_responses": { children: "pattern", fields: { "pattern": { access: "rw", response: true, needsType: true } } }
          }
        },
        "cmi.objectives": {
          children: "id,score,success_status,completion_status,progress_measure,description",
          fields: {
            "id": { access: "rw", check: matches(RE.longId) },
            "score._children": { access: "ro", value: "scaled,raw,min,max" },
            "score.scaled": { access: "rw", check: real(-1, 1) },
            "score.raw": { access: "rw", check: real(null, null) },
            "score.min": { access: "rw", check: real(null, null) },
            "score.max": { access: "rw", check: real(null, null) },
            "success_status": { access: "rw", check: vocabulary(["passed", "failed", "unknown"]) },
            "completion_status": { access: "rw", check: vocabulary(["completed", "incomplete", "not attempted", "unknown"]) },
            "progress_measure": { access: "rw", check: real(0, 1) },
            "description": { access: "rw", check: maxLength(250) }
          },
          collections: {}
        }
      },
      persistent: ["cmi.location", "cmi.completion_status", "cmi.success_status", "cmi.score.scaled",
        "cmi.score.raw", "cmi.score.min", "cmi.score.max", "cmi.suspend_data", "cmi.progress_measure",
        "cmi.total_time"]
    };
  }

  function copy(value) {
    return JSON.parse(JSON.stringify(value));
  }

  // ---------------------------------------------------------- time sums

  function timespanToCs(text) {
    var m = /^(\d+):(\d+):(\d+)(?:\.(\d{1,2}))?$/.exec(text || "");
    if (!m) return 0;
    return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 100 + (m[4] ? Math.round(+("0." + m[4]) * 100) : 0);
  }
  function durationToCs(text) {
    var m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text || "");
    if (!m) return 0;
    var days = (+(m[1] || 0)) * 365 + (+(m[2] || 0)) * 30 + (+(m[3] || 0));
    return Math.round((((days * 24 + +(m[4] || 0)) * 60 + +(m[5] || 0)) * 60 + +(m[6] || 0)) * 100);
  }
  function pad(n, w) {
    var s = String(n);
    while (s.length < w) s = "0" + s;
    return s;
  }
  function csToTimespan(cs) {
    var h = Math.floor(cs / 360000);
    var m = Math.floor((cs % 360000) / 6000);
    var s = (cs % 6000) / 100;
    return pad(Math.min(h, 9999), 4) + ":" + pad(m, 2) + ":" + pad(Math.floor(s), 2) + "." + pad(Math.round((s % 1) * 100), 2);
  }
  function csToDuration(cs) {
    var h = Math.floor(cs / 360000);
    var m = Math.floor((cs % 360000) / 6000);
    var s = (cs % 6000) / 100;
    return "PT" + h + "H" + m + "M" + s + "S";
  }

  // ------------------------------------------------------------ the LMS

  function ScormpackLMS(standard, stored, options) {
    if (standard !== "1.2" && standard !== "2004") {
      throw new Error('ScormpackLMS: standard must be "1.2" or "2004"');
    }
    this.standard = standard;
    this.options = options || {};
    this.log = [];
    this.commits = [];
    this.session = 0;
    this.stored = copy(stored || {});
    this.initial = copy(stored || {});
    this.api = this.standard === "1.2" ? this.makeApi12() : this.makeApi2004();
    this.startSession("ab-initio");
  }

  ScormpackLMS.prototype.is2004 = function () {
    return this.standard === "2004";
  };

  // Builds the live data model of a new session from the stored values.
  ScormpackLMS.prototype.startSession = function (entry) {
    this.session += 1;
    this.model = this.is2004() ? model2004() : model12();
    this.state = {}; // element name -> value, including collection members
    this.lastError = "0";
    this.lastDiagnostic = "";
    this.initialized = false;
    this.terminated = false;
    var scalars = this.model.scalars;
    for (var name in scalars) {
      if (scalars[name].value !== undefined) this.state[name] = scalars[name].value;
    }
    var stored = this.stored;
    for (var key in stored) {
      if (key.indexOf("__exit") !== 0) this.state[key] = stored[key];
    }
    this.state[this.is2004() ? "cmi.entry" : "cmi.core.entry"] = entry;
    this.sessionTime = null;
    this.exitValue = null;
    this.navRequest = null;
  };

  ScormpackLMS.prototype.install = function (win) {
    win = win || global;
    win[this.is2004() ? "API_1484_11" : "API"] = this.api;
    win.lmsLog = this.log;
    win.lms = this;
    var self = this;
    Object.defineProperty(win, "lmsState", {
      configurable: true,
      get: function () { return self.state; }
    });
    return this;
  };

  // A new session on what was stored: entry "resume" after a suspend exit.
  ScormpackLMS.prototype.relaunch = function () {
    var resume = this.stored.__exit === "suspend";
    this.startSession(resume ? "resume" : "");
    this.record("relaunch", [], "", "0");
  };

  // Back to the initial stored state, log emptied.
  ScormpackLMS.prototype.reset = function () {
    this.stored = copy(this.initial);
    this.log.length = 0;
    this.commits.length = 0;
    this.session = 0;
    this.startSession("ab-initio");
  };

  ScormpackLMS.prototype.record = function (name, args, result, error) {
    var entry = { session: this.session, call: name, args: args, result: result, error: error, time: Date.now() };
    this.log.push(entry);
    if (typeof this.options.onCall === "function") this.options.onCall(entry);
  };

  // Values a real LMS would keep: persistent scalars and every collection member.
  ScormpackLMS.prototype.persist = function () {
    var state = this.state;
    var stored = this.stored;
    this.model.persistent.forEach(function (name) {
      if (state[name] !== undefined) stored[name] = state[name];
    });
    for (var key in state) {
      if (/^cmi\.(interactions|objectives)\.\d+\./.test(key)) stored[key] = state[key];
    }
    this.commits.push(copy(state));
  };

  ScormpackLMS.prototype.endSession = function () {
    var total = this.is2004() ? "cmi.total_time" : "cmi.core.total_time";
    if (this.sessionTime) {
      if (this.is2004()) {
        this.state[total] = csToDuration(durationToCs(this.state[total]) + durationToCs(this.sessionTime));
      } else {
        this.state[total] = csToTimespan(timespanToCs(this.state[total]) + timespanToCs(this.sessionTime));
      }
    }
    var statusName = this.is2004() ? null : "cmi.core.lesson_status";
    if (statusName && this.state[statusName] === "not attempted") this.state[statusName] = "completed";
    this.persist();
    this.stored.__exit = this.exitValue || "";
    if (this.navRequest && this.navRequest !== "_none_" && typeof this.options.onNavigation === "function") {
      this.options.onNavigation(this.navRequest);
    }
  };

  // --------------------------------------------------- element resolving

  // Resolves an element name to its definition:
  // {kind: "scalar"|"children"|"count"|"field", def, collection path...}
  ScormpackLMS.prototype.resolve = function (name) {
    var model = this.model;
    if (Object.prototype.hasOwnProperty.call(model.scalars, name)) {
      return { kind: "scalar", def: model.scalars[name], name: name };
    }
    if (model.unimplemented && model.unimplemented.some(function (p) { return name.indexOf(p) === 0; })) {
      return { kind: "unimplemented" };
    }
    for (var prefix in model.collections) {
      if (name.indexOf(prefix + ".") === 0) {
        return this.resolveIn(model.collections[prefix], prefix, name.slice(prefix.length + 1));
      }
    }
    var last = name.split(".").pop();
    if (last === "_children" || last === "_count") {
      var base = name.slice(0, -(last.length + 1));
      if (Object.prototype.hasOwnProperty.call(model.scalars, base)) {
        return { kind: last === "_children" ? "no-children" : "no-count" };
      }
    }
    return null;
  };

  ScormpackLMS.prototype.resolveIn = function (collection, prefix, rest) {
    if (rest === "_children") {
      // A stored "<collection>._children" stands for an LMS that keeps fewer fields.
      var listed = this.state[prefix + "._children"];
      return { kind: "children", value: listed !== undefined ? listed : collection.children };
    }
    if (rest === "_count") return { kind: "count", prefix: prefix };
    var m = /^(\d+)\.(.+)$/.exec(rest);
    if (!m) return null;
    var index = +m[1];
    var member = prefix + "." + index;
    var field = m[2];
    for (var sub in collection.collections) {
      if (field.indexOf(sub + ".") === 0) {
        var inner = this.resolveIn(collection.collections[sub], member + "." + sub, field.slice(sub.length + 1));
        if (inner) {
          inner.parentPrefix = prefix;
          inner.parentIndex = index;
        }
        return inner;
      }
    }
    if (!Object.prototype.hasOwnProperty.call(collection.fields, field)) return null;
    return { kind: "field", def: collection.fields[field], prefix: prefix, index: index, member: member, field: field, name: member + "." + field };
  };

  ScormpackLMS.prototype.count = function (prefix) {
    var n = 0;
    while (this.state[prefix + "." + n + ".__exists"]) n += 1;
    return n;
  };

  // ------------------------------------------------------ shared get/set

  ScormpackLMS.prototype.getValue = function (name) {
    var v12 = !this.is2004();
    var element = this.resolve(name);
    if (!element) {
      return { error: v12 ? "201" : "401", diag: "unknown element " + name };
    }
    if (element.kind === "unimplemented") return { error: v12 ? "401" : "402" };
    if (element.kind === "no-children") return { error: v12 ? "202" : "301" };
    if (element.kind === "no-count") return { error: v12 ? "203" : "301" };
    if (element.kind === "children") return { value: element.value };
    if (element.kind === "count") return { value: String(this.count(element.prefix)) };
    if (element.kind === "field" || element.parentPrefix !== undefined) {
      if (element.parentPrefix !== undefined && element.parentIndex >= this.count(element.parentPrefix)) {
        return { error: v12 ? "201" : "301", diag: "no such member" };
      }
      if (element.kind === "field" && element.index >= this.count(element.prefix)) {
        return { error: v12 ? "201" : "301", diag: "no such member" };
      }
    }
    var def = element.def;
    if (def.access === "wo") return { error: v12 ? "404" : "405" };
    var value = this.state[element.name];
    if (value === undefined) value = def.value;
    if (value === undefined) {
      if (v12) return { value: "" };
      return { error: "403", diag: name + " has not been set" };
    }
    return { value: String(value) };
  };

  ScormpackLMS.prototype.setValue = function (name, value) {
    var v12 = !this.is2004();
    var element = this.resolve(name);
    if (!element) return { error: v12 ? "201" : "401", diag: "unknown element " + name };
    if (element.kind === "unimplemented") return { error: v12 ? "401" : "402" };
    if (element.kind === "children" || element.kind === "count" || element.kind === "no-children" || element.kind === "no-count") {
      return { error: v12 ? "402" : "404", diag: name + " is a keyword" };
    }
    var def = element.def;
    if (def.access === "ro") return { error: v12 ? "403" : "404" };
    if (element.kind === "field") {
      // Members are added in order: n may be at most _count.
      if (element.parentPrefix !== undefined && element.parentIndex >= this.count(element.parentPrefix)) {
        return { error: v12 ? "201" : "351", diag: "parent member missing" };
      }
      var count = this.count(element.prefix);
      if (element.index > count) return { error: v12 ? "201" : "351", diag: "index out of order" };
      var isNew = element.index === count;
      if (!v12 && isNew && element.field !== "id" && element.field !== "pattern") {
        return { error: "408", diag: "set " + element.member + ".id first" };
      }
      if (def.response) {
        var typeName = element.parentPrefix !== undefined
          ? element.parentPrefix + "." + element.parentIndex + ".type"
          : element.member + ".type";
        var type = this.state[typeName];
        if (!type) {
          if (!v12) return { error: "408", diag: "set " + typeName + " first" };
        } else {
          var formats = v12 ? RESPONSE_12 : RESPONSE_2004;
          var ok = formats[type] ? formats[type](value) : true;
          if (!ok) return { error: v12 ? "405" : "406", diag: value + " is not a " + type + " response" };
        }
      }
    }
    if (def.check) {
      var problem = def.check(value);
      if (problem) return { error: v12 ? "405" : problem === "range" ? "407" : "406", diag: "bad value for " + name };
    }
    if (element.kind === "field") {
      this.state[element.member + ".__exists"] = true;
    }
    this.state[element.name] = value;
    if (name === "cmi.core.session_time" || name === "cmi.session_time") this.sessionTime = value;
    if (name === "cmi.core.exit" || name === "cmi.exit") this.exitValue = value;
    if (name === "adl.nav.request") this.navRequest = value;
    return {};
  };

  // ----------------------------------------------------------- SCORM 1.2

  ScormpackLMS.prototype.makeApi12 = function () {
    var lms = this;
    var wrap = function (name, fn) {
      return function () {
        var args = Array.prototype.slice.call(arguments).map(String);
        var result = fn.apply(null, args);
        if (name !== "LMSGetLastError" && name !== "LMSGetErrorString" && name !== "LMSGetDiagnostic") {
          lms.record(name, args, result, lms.lastError);
        } else {
          lms.record(name, args, result, null);
        }
        return result;
      };
    };
    var fail = function (code, diag) {
      lms.lastError = code;
      lms.lastDiagnostic = diag || ERRORS_12[code];
      return "false";
    };
    var ok = function () {
      lms.lastError = "0";
      lms.lastDiagnostic = "";
      return "true";
    };
    var running = function () { return lms.initialized && !lms.terminated; };
    return {
      LMSInitialize: wrap("LMSInitialize", function (arg) {
        if (arg !== "") return fail("201", "LMSInitialize takes \"\"");
        if (lms.terminated) return fail("101", "session already finished");
        if (lms.initialized) return fail("101", "already initialized");
        lms.initialized = true;
        return ok();
      }),
      LMSFinish: wrap("LMSFinish", function (arg) {
        if (arg !== "") return fail("201", "LMSFinish takes \"\"");
        if (!running()) return fail("301");
        lms.terminated = true;
        lms.endSession();
        return ok();
      }),
      LMSGetValue: wrap("LMSGetValue", function (name) {
        if (!running()) { fail("301"); return ""; }
        var r = lms.getValue(name);
        if (r.error) { fail(r.error, r.diag); return ""; }
        ok();
        return r.value;
      }),
      LMSSetValue: wrap("LMSSetValue", function (name, value) {
        if (!running()) return fail("301");
        var r = lms.setValue(name, value === undefined ? "" : value);
        return r.error ? fail(r.error, r.diag) : ok();
      }),
      LMSCommit: wrap("LMSCommit", function (arg) {
        if (arg !== "") return fail("201", "LMSCommit takes \"\"");
        if (!running()) return fail("301");
        lms.persist();
        return ok();
      }),
      LMSGetLastError: wrap("LMSGetLastError", function () { return lms.lastError; }),
      LMSGetErrorString: wrap("LMSGetErrorString", function (code) { return ERRORS_12[code] || ""; }),
      LMSGetDiagnostic: wrap("LMSGetDiagnostic", function (code) {
        return code && code !== lms.lastError ? (ERRORS_12[code] || "") : lms.lastDiagnostic;
      })
    };
  };

  // ---------------------------------------------------------- SCORM 2004

  ScormpackLMS.prototype.makeApi2004 = function () {
    var lms = this;
    var quiet = { GetLastError: 1, GetErrorString: 1, GetDiagnostic: 1 };
    var wrap = function (name, fn) {
      return function () {
        var args = Array.prototype.slice.call(arguments).map(String);
        var result = fn.apply(null, args);
        lms.record(name, args, result, quiet[name] ? null : lms.lastError);
        return result;
      };
    };
    var fail = function (code, diag) {
      lms.lastError = code;
      lms.lastDiagnostic = diag || ERRORS_2004[code];
      return "false";
    };
    var ok = function () {
      lms.lastError = "0";
      lms.lastDiagnostic = "";
      return "true";
    };
    return {
      version: "1.0",
      Initialize: wrap("Initialize", function (arg) {
        if (arg !== "") return fail("201", "Initialize takes \"\"");
        if (lms.terminated) return fail("104");
        if (lms.initialized) return fail("103");
        lms.initialized = true;
        return ok();
      }),
      Terminate: wrap("Terminate", function (arg) {
        if (arg !== "") return fail("201", "Terminate takes \"\"");
        if (!lms.initialized) return fail("112");
        if (lms.terminated) return fail("113");
        lms.terminated = true;
        lms.endSession();
        return ok();
      }),
      GetValue: wrap("GetValue", function (name) {
        if (!lms.initialized) { fail("122"); return ""; }
        if (lms.terminated) { fail("123"); return ""; }
        if (name === "") { fail("301", "empty element name"); return ""; }
        var r = lms.getValue(name);
        if (r.error) { fail(r.error, r.diag); return ""; }
        ok();
        return r.value;
      }),
      SetValue: wrap("SetValue", function (name, value) {
        if (!lms.initialized) return fail("132");
        if (lms.terminated) return fail("133");
        if (name === "") return fail("351", "empty element name");
        var r = lms.setValue(name, value === undefined ? "" : value);
        return r.error ? fail(r.error, r.diag) : ok();
      }),
      Commit: wrap("Commit", function (arg) {
        if (arg !== "") return fail("201", "Commit takes \"\"");
        if (!lms.initialized) return fail("142");
        if (lms.terminated) return fail("143");
        lms.persist();
        return ok();
      }),
      GetLastError: wrap("GetLastError", function () { return lms.lastError; }),
      GetErrorString: wrap("GetErrorString", function (code) { return ERRORS_2004[code] || ""; }),
      GetDiagnostic: wrap("GetDiagnostic", function (code) {
        return code && code !== lms.lastError ? (ERRORS_2004[code] || "") : lms.lastDiagnostic;
      })
    };
  };

  // Installs an LMS in a window in one call.
  ScormpackLMS.install = function (win, standard, stored, options) {
    return new ScormpackLMS(standard, stored, options).install(win);
  };

  global.ScormpackLMS = ScormpackLMS;
})(typeof window !== "undefined" ? window : this);
