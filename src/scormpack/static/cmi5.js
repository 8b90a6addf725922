/*
 * scormpack's cmi5 adapter: the learner runtime (scormpack.js) reporting to a
 * cmi5 LMS through xAPI, written from the cmi5 specification (sections 7 to 10).
 *
 * scormpack.js loads this file only when the page was launched with the cmi5
 * launch parameters, then talks to the adapter with the SCORM 2004 element
 * names it uses everywhere (cmi.location, cmi.completion_status, ...). The
 * adapter turns them into what cmi5 asks for:
 *
 *   - start: read endpoint, fetch, actor, registration and activityId from
 *     the query string; POST to the fetch URL once for the auth token; read
 *     LMS.LaunchData (context template, launch mode, moveOn, masteryScore,
 *     returnURL) and our bookmark from the state API; send "initialized".
 *   - completion and success become the cmi5 defined statements "completed",
 *     "passed" and "failed", with the context template (session id), the
 *     cmi5 and moveOn categories, result rules (completion/success, scaled
 *     score, duration) and the masteryScore extension; in Browse and Review
 *     launch modes none of them is sent.
 *   - each answered question becomes a cmi5 allowed "answered" statement
 *     (context template, no cmi5 category) with the interaction data.
 *   - the bookmark, the visited pages and what this registration already
 *     reported live in one state document ("scormpack.bookmark").
 *   - end: "terminated" with the session's duration, last; then, when the
 *     learner asked to leave and the LMS gave a returnURL, go there.
 *
 * Statement rules kept here: completed and passed at most once per
 * registration; at most one of passed/failed per session, and no failed
 * after a passed (a failed check is sent when the session ends unless a pass
 * came first); nothing after terminated.
 *
 * No xAPI client library: the maintained cmi5 client (npm @xapi/cmi5) pulls
 * in @xapi/xapi, axios, deepmerge and uuid and needs a bundler, which the
 * build does not have; and any client would still need the mapping from the
 * runtime's data model, which is most of what is here (16 KB, 5 KB gzipped).
 */
(function (global) {
  "use strict";

  var XAPI_VERSION = "1.0.3";
  var VERB = "http://adlnet.gov/expapi/verbs/";
  var CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  var MASTERY_EXTENSION = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  var INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction";
  var LAUNCH_DATA = "LMS.LaunchData";
  var BOOKMARK = "scormpack.bookmark";
  var LAUNCH_PARAMETERS = ["endpoint", "fetch", "actor", "registration", "activityId"];
  var QUIZ_REQUIRED_MOVE_ON = { "Passed": true, "CompletedAndPassed": true };

  // xAPI interaction responses are written as in SCORM 2004.
  var FORMAT = {
    list: "[,]",
    pair: "[.]",
    trueFalse: function (value) { return value ? "true" : "false"; },
    fillinPattern: function (text, caseSensitive) {
      return (caseSensitive ? "{case_matters=true}" : "") + String(text).slice(0, 250);
    },
    wrong: "incorrect"
  };

  function launchParameters(search) {
    var params = new URLSearchParams(search);
    var values = {};
    for (var i = 0; i < LAUNCH_PARAMETERS.length; i += 1) {
      var value = params.get(LAUNCH_PARAMETERS[i]);
      if (!value) return null;
      values[LAUNCH_PARAMETERS[i]] = value;
    }
    try {
      values.actor = JSON.parse(values.actor);
    } catch (e) {
      return null;
    }
    return values;
  }

  function uuid() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") return global.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // ISO 8601 duration with hundredths of a second: PT1H2M5.25S.
  function duration(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var hours = Math.floor(cs / 360000);
    cs -= hours * 360000;
    var minutes = Math.floor(cs / 6000);
    cs -= minutes * 6000;
    var text = "PT";
    if (hours) text += hours + "H";
    if (minutes) text += minutes + "M";
    if (cs || text === "PT") text += String(cs / 100) + "S";
    return text;
  }

  function copy(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  function Cmi5Adapter(launch) {
    this.version = "cmi5";
    this.is2004 = true; // element names, as the runtime writes them for SCORM 2004
    this.format = FORMAT;
    this.launch = launch;
    this.endpoint = launch.endpoint.replace(/\/?$/, "/");
    this.active = false;
    this.token = null;
    this.launchData = null;
    this.bookmark = { location: "", suspend: "", completed: false, passed: false, failed: false };
    this.bookmarkDirty = false;
    this.queue = [];
    this.sending = null; // the request in flight, a promise
    this.startedAt = Date.now();
    this.score = {};
    this.judgedThisSession = false;
    this.pendingFailure = null;
    this.leaveRequested = false;
    this.unloading = false;
    var self = this;
    global.addEventListener("pagehide", function () { self.unloading = true; });
  }

  Cmi5Adapter.prototype.el = function (name12, name2004) {
    return name2004;
  };

  Cmi5Adapter.prototype.headers = function (json) {
    var headers = { "X-Experience-API-Version": XAPI_VERSION, "Authorization": "Basic " + this.token };
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  };

  Cmi5Adapter.prototype.stateUrl = function (stateId) {
    var query = new URLSearchParams({
      stateId: stateId,
      activityId: this.launch.activityId,
      agent: JSON.stringify(this.launch.actor),
      registration: this.launch.registration
    });
    return this.endpoint + "activities/state?" + query.toString();
  };

  Cmi5Adapter.prototype.readState = function (stateId) {
    return fetch(this.stateUrl(stateId), { headers: this.headers(false), cache: "no-store" }).then(function (response) {
      if (response.status === 404) return null;
      if (!response.ok) throw new Error("state " + stateId + ": HTTP " + response.status);
      return response.json();
    });
  };

  // The token (once), LaunchData and our bookmark; then "initialized".
  Cmi5Adapter.prototype.start = function () {
    var self = this;
    return fetch(this.launch.fetch, { method: "POST", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (!body || !body["auth-token"]) throw new Error("fetch URL: " + JSON.stringify(body));
        self.token = body["auth-token"];
        return self.readState(LAUNCH_DATA);
      })
      .then(function (launchData) {
        if (!launchData || !launchData.contextTemplate) throw new Error("no LMS.LaunchData");
        self.launchData = launchData;
        return self.readState(BOOKMARK);
      })
      .then(function (bookmark) {
        if (bookmark && typeof bookmark === "object") {
          for (var key in self.bookmark) {
            if (bookmark[key] !== undefined) self.bookmark[key] = bookmark[key];
          }
        }
        self.active = true;
        self.startedAt = Date.now();
        self.send("initialized");
        self.flush();
        return self;
      });
  };

  Cmi5Adapter.prototype.normalMode = function () {
    return (this.launchData.launchMode || "Normal") === "Normal";
  };

  // What the LMS decides for the runtime: the pass mark (an LMS may override
  // the masteryScore of the course structure) and whether the knowledge
  // check must be passed to complete (moveOn Passed or CompletedAndPassed).
  Cmi5Adapter.prototype.lmsRules = function () {
    var mastery = this.launchData.masteryScore;
    var moveOn = this.launchData.moveOn;
    return {
      passMark: typeof mastery === "number" ? Math.round(mastery * 10000) / 100 : null,
      quizRequired: moveOn ? !!QUIZ_REQUIRED_MOVE_ON[moveOn] : null
    };
  };

  Cmi5Adapter.prototype.context = function (defined, judged) {
    var context = copy(this.launchData.contextTemplate) || {};
    if (!context.registration) context.registration = this.launch.registration;
    var activities = context.contextActivities = context.contextActivities || {};
    var category = activities.category = (activities.category || []).slice();
    if (defined) category.push({ id: CMI5_CATEGORY, objectType: "Activity" });
    if (judged) category.push({ id: MOVEON_CATEGORY, objectType: "Activity" });
    if (!category.length) delete activities.category;
    return context;
  };

  // Queues one statement; verb is a cmi5 defined verb unless `allowed` is given.
  Cmi5Adapter.prototype.send = function (verb, result, allowed) {
    // The moveOn category marks a cmi5 defined statement that judges the AU (9.6.2.2).
    var judged = !allowed && !!(result && (result.success !== undefined || result.completion !== undefined));
    var statement = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor: this.launch.actor,
      verb: { id: VERB + verb, display: { en: verb } },
      object: allowed ? allowed.object : { id: this.launch.activityId, objectType: "Activity" },
      context: this.context(!allowed, judged)
    };
    if (result) statement.result = result;
    if (allowed && allowed.parent) {
      var activities = statement.context.contextActivities;
      activities.parent = (activities.parent || []).concat([{ id: this.launch.activityId, objectType: "Activity" }]);
    }
    if (this.launchData.masteryScore !== undefined && (verb === "passed" || verb === "failed")) {
      statement.context.extensions = statement.context.extensions || {};
      statement.context.extensions[MASTERY_EXTENSION] = this.launchData.masteryScore;
    }
    this.queue.push(statement);
  };

  // Posts the queued statements in one request, after the one in flight
  // (order matters), or at once while the page goes away.
  Cmi5Adapter.prototype.flush = function () {
    var self = this;
    var post = function () {
      var batch = self.queue.splice(0, self.queue.length);
      if (!batch.length) return Promise.resolve();
      return fetch(self.endpoint + "statements", {
        method: "POST",
        headers: self.headers(true),
        body: JSON.stringify(batch),
        keepalive: true
      }).then(function (response) {
        if (!response.ok && global.console) global.console.warn("cmi5: statements refused, HTTP " + response.status);
      }, function (error) {
        if (global.console) global.console.warn("cmi5: statements not sent: " + error);
      });
    };
    var chained = this.unloading || !this.sending ? post() : this.sending.then(post);
    this.sending = chained;
    return chained;
  };

  Cmi5Adapter.prototype.saveBookmark = function () {
    if (!this.bookmarkDirty) return;
    this.bookmarkDirty = false;
    fetch(this.stateUrl(BOOKMARK), {
      method: "PUT",
      headers: this.headers(true),
      body: JSON.stringify(this.bookmark),
      keepalive: true
    }).catch(function () { /* the next save tries again with everything */ });
  };

  // ------------------------------------------------ the runtime's interface

  Cmi5Adapter.prototype.get = function (element) {
    if (!this.active) return "";
    var b = this.bookmark;
    switch (element) {
      case "cmi.location": return b.location;
      case "cmi.suspend_data": return b.suspend;
      case "cmi.completion_status": return b.completed ? "completed" : "incomplete";
      case "cmi.success_status": return b.passed ? "passed" : b.failed ? "failed" : "unknown";
      case "adl.nav.request_valid.continue": return this.launchData.returnURL ? "true" : "false";
      default: return "";
    }
  };

  Cmi5Adapter.prototype.set = function (element, value) {
    if (!this.active) return false;
    value = String(value);
    var b = this.bookmark;
    var elapsed = duration(Date.now() - this.startedAt);
    switch (element) {
      case "cmi.location": this.keep("location", value); break;
      case "cmi.suspend_data": this.keep("suspend", value); break;
      case "cmi.progress_measure": this.keep("progress", Number(value)); break;
      case "cmi.score.scaled": this.score.scaled = Number(value); break;
      case "cmi.completion_status":
        if (value === "completed" && !b.completed && this.normalMode()) {
          this.keep("completed", true);
          this.send("completed", { completion: true, duration: elapsed });
        }
        break;
      case "cmi.success_status":
        if (!this.normalMode() || b.passed) break;
        if (value === "passed") {
          this.keep("passed", true);
          this.judgedThisSession = true;
          this.pendingFailure = null;
          this.send("passed", { score: { scaled: this.score.scaled }, success: true, duration: elapsed });
        } else if (value === "failed" && !this.judgedThisSession) {
          // Held until the session ends: a pass in this session replaces it.
          this.pendingFailure = { score: { scaled: this.score.scaled }, success: false, duration: elapsed };
        }
        break;
      case "adl.nav.request": this.leaveRequested = value === "continue" || value === "exit"; break;
      default: break;
    }
    return true;
  };

  Cmi5Adapter.prototype.keep = function (key, value) {
    if (this.bookmark[key] !== value) {
      this.bookmark[key] = value;
      this.bookmarkDirty = true;
    }
  };

  Cmi5Adapter.prototype.commit = function () {
    if (!this.active) return false;
    this.saveBookmark();
    this.flush();
    return true;
  };

  Cmi5Adapter.prototype.recordInteraction = function (record) {
    if (!this.active) return;
    var definition = {
      type: INTERACTION_TYPE,
      interactionType: record.type,
      correctResponsesPattern: record.patterns
    };
    if (record.description) {
      // The question's text, in the page's language (the course language).
      definition.description = {};
      definition.description[global.document.documentElement.lang || "und"] = String(record.description);
    }
    this.send("answered", {
      response: record.response,
      success: record.correct,
      duration: duration(record.latencyMs)
    }, {
      object: {
        id: this.launch.activityId + "/question/" + encodeURIComponent(record.id),
        objectType: "Activity",
        definition: definition
      },
      parent: true
    });
  };

  Cmi5Adapter.prototype.terminate = function () {
    if (!this.active) return false;
    if (this.pendingFailure) {
      this.keep("failed", true);
      this.send("failed", this.pendingFailure);
      this.pendingFailure = null;
    }
    this.send("terminated", { duration: duration(Date.now() - this.startedAt) });
    this.active = false;
    this.saveBookmark();
    var sent = this.flush();
    var returnURL = this.launchData.returnURL;
    if (returnURL && this.leaveRequested && !this.unloading) {
      var leave = function () { global.location.assign(returnURL); };
      sent.then(leave, leave);
    }
    return true;
  };

  // Starts a cmi5 session when the page was launched with the cmi5 launch
  // parameters: calls back with the adapter, or with null (no cmi5 launch, or
  // the LMS could not be reached: the module then runs untracked).
  function connect(location, callback) {
    var launch = launchParameters(location.search);
    if (!launch) {
      callback(null);
      return;
    }
    new Cmi5Adapter(launch).start().then(callback, function (error) {
      if (global.console) global.console.warn("cmi5: no session: " + error);
      callback(null);
    });
  }

  global.ScormpackCmi5 = { connect: connect, launchParameters: launchParameters, duration: duration };
})(window);
