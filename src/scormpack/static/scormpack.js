/*
 * scormpack learner runtime.
 *
 * One runtime for every package: it pages through the module's sections,
 * scores the knowledge check, and, when an LMS API is found, reports to it
 * through a SCORM 1.2 or a SCORM 2004 adapter. With no API (offline, or a
 * Common Cartridge page) everything works the same, without tracking.
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  // Where this file was loaded from: the cmi5 adapter sits beside it.
  var runtimeSource = doc.currentScript ? doc.currentScript.src : "";
  root.className = root.className.replace(/\bsp-no-js\b/, "") + " sp-js";

  // ---------------------------------------------------------------- helpers

  function readJson(id) {
    var node = doc.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) text = "0" + text;
    return text;
  }

  function byId(id) {
    return doc.getElementById(id);
  }

  // The words the learner sees come from the page (#sp-messages, written from
  // the course language's message table), never from this file: a message is
  // text with {placeholders}, or its plural forms by CLDR category. Numbers
  // filled in are written the language's way, in the digits the page's
  // server-side text uses (data-numbers), whatever this browser's default.
  var messages = readJson("sp-messages") || {};
  var messagesNode = byId("sp-messages");
  var pluralRules = null;
  var numberFormat = null;
  try {
    pluralRules = new Intl.PluralRules(root.lang || undefined);
    numberFormat = new Intl.NumberFormat(root.lang || undefined, {
      numberingSystem: (messagesNode && messagesNode.getAttribute("data-numbers")) || "latn",
      maximumFractionDigits: 2
    });
  } catch (e) {
    pluralRules = pluralRules || null;
    numberFormat = null;
  }

  function formatValue(value) {
    return typeof value === "number" && numberFormat ? numberFormat.format(value) : String(value);
  }

  function message(id, values) {
    var text = messages[id];
    if (text === undefined) return id;
    values = values || {};
    if (typeof text === "object") {
      var category = pluralRules ? pluralRules.select(values.count) : "other";
      text = text[category] !== undefined ? text[category] : text.other;
    }
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] !== undefined ? formatValue(values[name]) : whole;
    });
  }

  function toArray(list) {
    return Array.prototype.slice.call(list);
  }

  function truncate(text, limit) {
    text = String(text);
    return text.length > limit ? text.slice(0, limit) : text;
  }

  // Centiseconds split into hours, minutes, seconds.
  function splitDuration(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var hours = Math.floor(cs / 360000);
    cs -= hours * 360000;
    var minutes = Math.floor(cs / 6000);
    cs -= minutes * 6000;
    return { hours: hours, minutes: minutes, seconds: cs / 100 };
  }

  // SCORM 1.2 CMITimespan: HHHH:MM:SS.SS (hours at most 9999).
  function timespan12(ms) {
    var d = splitDuration(ms);
    if (d.hours > 9999) return "9999:59:59.99";
    var whole = Math.floor(d.seconds);
    var cents = Math.round((d.seconds - whole) * 100);
    return pad(d.hours, 4) + ":" + pad(d.minutes, 2) + ":" + pad(whole, 2) + "." + pad(cents, 2);
  }

  // SCORM 2004 timeinterval (ISO 8601 duration): PT1H2M5.25S.
  function duration2004(ms) {
    var d = splitDuration(ms);
    var text = "PT";
    if (d.hours) text += d.hours + "H";
    if (d.minutes) text += d.minutes + "M";
    if (d.seconds || text === "PT") text += String(Number(d.seconds.toFixed(2))) + "S";
    return text;
  }

  // SCORM 1.2 CMITime: time of day HH:MM:SS.
  function timeOfDay12(date) {
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  // SCORM 2004 time(second,10,0): local date and time, no zone.
  function timestamp2004(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1, 2) + "-" + pad(date.getDate(), 2) +
      "T" + timeOfDay12(date);
  }

  // ------------------------------------------------------------ API lookup

  var MAX_FRAMES = 10;

  function apiIn(win, name) {
    try {
      var api = win[name];
      return api && typeof api === "object" ? api : null;
    } catch (e) {
      return null; // another origin: not ours to read
    }
  }

  function searchChain(start, name) {
    var win = start;
    for (var depth = 0; win && depth <= MAX_FRAMES; depth += 1) {
      var api = apiIn(win, name);
      if (api) return api;
      var parent;
      try {
        parent = win.parent;
      } catch (e) {
        parent = null;
      }
      if (!parent || parent === win) break;
      win = parent;
    }
    return null;
  }

  function findApi(name) {
    var api = searchChain(window, name);
    if (api) return api;
    var opener = null;
    try {
      opener = window.top && window.top.opener;
    } catch (e) {
      opener = null;
    }
    if (!opener) {
      try {
        opener = window.opener;
      } catch (e) {
        opener = null;
      }
    }
    return opener ? searchChain(opener, name) : null;
  }

  // ------------------------------------------------------------- adapters

  // Response formats per interaction type, as the two standards write them.
  var FORMATS = {
    "1.2": {
      list: ",",
      pair: ".",
      trueFalse: function (value) { return value ? "t" : "f"; },
      fillinPattern: function (text) { return truncate(text, 255); },
      wrong: "wrong"
    },
    "2004": {
      list: "[,]",
      pair: "[.]",
      trueFalse: function (value) { return value ? "true" : "false"; },
      fillinPattern: function (text, caseSensitive) {
        return (caseSensitive ? "{case_matters=true}" : "") + truncate(text, 250);
      },
      wrong: "incorrect"
    }
  };

  var INTERACTION_TYPES = {
    single: "choice",
    multiple: "choice",
    truefalse: "true-false",
    fillin: "fill-in",
    matching: "matching",
    ordering: "sequencing"
  };

  function Adapter(api, version) {
    this.api = api;
    this.version = version;
    this.format = FORMATS[version];
    this.is2004 = version === "2004";
    this.active = false;
    this.children = null;
  }

  Adapter.prototype.call = function (name12, name2004, args) {
    var fn = this.api[this.is2004 ? name2004 : name12];
    if (typeof fn !== "function") return "";
    try {
      return String(fn.apply(this.api, args));
    } catch (e) {
      return "";
    }
  };

  Adapter.prototype.initialize = function () {
    this.active = this.call("LMSInitialize", "Initialize", [""]) === "true";
    return this.active;
  };

  Adapter.prototype.errorCode = function () {
    return this.call("LMSGetLastError", "GetLastError", []);
  };

  // An element never set reads as error 403 in 2004 (401/201 elsewhere):
  // every failed read counts as empty.
  Adapter.prototype.get = function (element) {
    if (!this.active) return "";
    var value = this.call("LMSGetValue", "GetValue", [element]);
    var code = this.errorCode();
    return code && code !== "0" ? "" : value;
  };

  Adapter.prototype.set = function (element, value) {
    if (!this.active) return false;
    return this.call("LMSSetValue", "SetValue", [element, String(value)]) === "true";
  };

  Adapter.prototype.commit = function () {
    if (!this.active) return false;
    return this.call("LMSCommit", "Commit", [""]) === "true";
  };

  Adapter.prototype.terminate = function () {
    if (!this.active) return false;
    this.active = false;
    return this.call("LMSFinish", "Terminate", [""]) === "true";
  };

  Adapter.prototype.el = function (name12, name2004) {
    return this.is2004 ? name2004 : name12;
  };

  // Which interaction fields the LMS keeps; null when it keeps none.
  Adapter.prototype.interactionFields = function () {
    if (this.children === null) {
      var listed = this.get("cmi.interactions._children");
      this.children = listed ? listed.split(",").map(function (s) { return s.trim(); }) : [];
    }
    return this.children;
  };

  Adapter.prototype.recordInteraction = function (record) {
    var fields = this.interactionFields();
    if (!fields.length || fields.indexOf("id") < 0) return;
    var count = parseInt(this.get("cmi.interactions._count"), 10);
    if (!(count >= 0)) count = 0;
    var prefix = "cmi.interactions." + count + ".";
    var self = this;
    var put = function (field, element, value) {
      if (fields.indexOf(field) >= 0) self.set(prefix + element, value);
    };
    // Order matters in 2004: id first, type before any response.
    put("id", "id", record.id);
    put("type", "type", record.type);
    if (this.is2004) put("description", "description", truncate(record.description, 250));
    put("weighting", "weighting", record.weighting);
    record.patterns.forEach(function (pattern, index) {
      put("correct_responses", "correct_responses." + index + ".pattern", pattern);
    });
    put(this.is2004 ? "learner_response" : "student_response",
      this.is2004 ? "learner_response" : "student_response", record.response);
    put("result", "result", record.correct ? "correct" : this.format.wrong);
    if (this.is2004) {
      put("timestamp", "timestamp", timestamp2004(record.when));
      put("latency", "latency", duration2004(record.latencyMs));
    } else {
      put("time", "time", timeOfDay12(record.when));
      put("latency", "latency", timespan12(record.latencyMs));
    }
  };

  // A cmi5 LMS launches the page with these in the query string (cmi5 8.1);
  // cmi5.js, beside this file in cmi5 packages only, then does the tracking.
  var CMI5_LAUNCH = ["endpoint", "fetch", "actor", "registration", "activityId"];

  function launchedByCmi5() {
    var params = new URLSearchParams(window.location.search);
    return !!runtimeSource && CMI5_LAUNCH.every(function (name) { return params.has(name); });
  }

  // Calls back with a cmi5 adapter, or null (not a cmi5 package, or no LMS).
  function connectCmi5(callback) {
    var script = doc.createElement("script");
    script.src = runtimeSource.replace(/[^/]*$/, "cmi5.js");
    script.onload = function () { window.ScormpackCmi5.connect(window.location, callback); };
    script.onerror = function () { callback(null); };
    doc.head.appendChild(script);
  }

  function connect() {
    var api = findApi("API_1484_11");
    if (api) return new Adapter(api, "2004");
    api = findApi("API");
    if (api) return new Adapter(api, "1.2");
    return null;
  }

  // --------------------------------------------------------------- quiz

  function Quiz(form, data, onSubmit) {
    this.form = form;
    this.data = data;
    this.onSubmit = onSubmit;
    this.attemptsUsed = 0;
    this.lastAnswers = null;
    this.result = null;
    this.startedAt = Date.now();
    this.changedAt = {};
    this.submitted = false;
    this.resultBox = byId("sp-quiz-result");
    this.submitButton = byId("sp-quiz-submit");
    this.retryButton = byId("sp-quiz-retry");
    var self = this;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest(".sp-question");
      if (fieldset) self.changedAt[fieldset.getAttribute("data-question")] = Date.now();
    });
    form.addEventListener("input", function (event) {
      var fieldset = event.target.closest(".sp-question");
      if (fieldset) self.changedAt[fieldset.getAttribute("data-question")] = Date.now();
    });
    if (this.retryButton) {
      this.retryButton.addEventListener("click", function () { self.retry(); });
    }
    this.shuffleIfAsked();
  }

  Quiz.prototype.fieldset = function (question) {
    return byId("sp-q-" + question.id);
  };

  Quiz.prototype.attemptsLeft = function () {
    var limit = this.data.attempts || 0;
    return limit ? Math.max(0, limit - this.attemptsUsed) : Infinity;
  };

  Quiz.prototype.shuffleIfAsked = function () {
    if (!this.data.shuffle) return;
    toArray(this.form.querySelectorAll("[data-shuffle]")).forEach(function (list) {
      var items = toArray(list.children);
      for (var i = items.length - 1; i > 0; i -= 1) {
        var j = Math.floor(Math.random() * (i + 1));
        var swap = items[i];
        items[i] = items[j];
        items[j] = swap;
      }
      items.forEach(function (item) { list.appendChild(item); });
    });
  };

  // The learner's answer to one question, or null when unanswered.
  // single/multiple: option ids; truefalse: [true|false]; fillin: [text];
  // matching: [[left,right],...]; ordering: item ids in chosen order.
  Quiz.prototype.readAnswer = function (question) {
    var fieldset = this.fieldset(question);
    var kind = question.type;
    if (kind === "single" || kind === "multiple") {
      var chosen = toArray(fieldset.querySelectorAll("input:checked")).map(function (input) { return input.value; });
      chosen.sort();
      return chosen.length ? chosen : null;
    }
    if (kind === "truefalse") {
      var picked = fieldset.querySelector("input:checked");
      return picked ? [picked.value === "true"] : null;
    }
    if (kind === "fillin") {
      var text = fieldset.querySelector("input[type=text]").value.replace(/\s+/g, " ").trim();
      return text ? [text] : null;
    }
    if (kind === "matching") {
      var pairs = [];
      var complete = true;
      toArray(fieldset.querySelectorAll("select[data-left]")).forEach(function (select) {
        if (!select.value) complete = false;
        pairs.push([select.getAttribute("data-left"), select.value]);
      });
      pairs.sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
      return complete ? pairs : null;
    }
    if (kind === "ordering") {
      var positions = {};
      var rows = toArray(fieldset.querySelectorAll("select[data-item]"));
      for (var i = 0; i < rows.length; i += 1) {
        var position = rows[i].value;
        if (!position || positions[position]) return null;
        positions[position] = rows[i].getAttribute("data-item");
      }
      return rows.map(function (_, index) { return positions[String(index + 1)]; });
    }
    return null;
  };

  Quiz.prototype.writeAnswer = function (question, answer) {
    var fieldset = this.fieldset(question);
    if (!fieldset || !answer) return;
    var kind = question.type;
    if (kind === "single" || kind === "multiple") {
      toArray(fieldset.querySelectorAll("input")).forEach(function (input) {
        input.checked = answer.indexOf(input.value) >= 0;
      });
    } else if (kind === "truefalse") {
      toArray(fieldset.querySelectorAll("input")).forEach(function (input) {
        input.checked = (input.value === "true") === answer[0];
      });
    } else if (kind === "fillin") {
      fieldset.querySelector("input[type=text]").value = answer[0] || "";
    } else if (kind === "matching") {
      answer.forEach(function (pair) {
        var select = fieldset.querySelector('select[data-left="' + pair[0] + '"]');
        if (select) select.value = pair[1];
      });
    } else if (kind === "ordering") {
      answer.forEach(function (item, index) {
        var select = fieldset.querySelector('select[data-item="' + item + '"]');
        if (select) select.value = String(index + 1);
      });
    }
  };

  function sameList(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i += 1) {
      if (String(a[i]) !== String(b[i])) return false;
    }
    return true;
  }

  Quiz.prototype.isCorrect = function (question, answer) {
    if (!answer) return false;
    var kind = question.type;
    if (kind === "single" || kind === "multiple") {
      return sameList(answer.slice().sort(), question.correct.slice().sort());
    }
    if (kind === "truefalse") return answer[0] === question.answer;
    if (kind === "fillin") {
      var given = answer[0];
      return question.accepted.some(function (accepted) {
        accepted = accepted.replace(/\s+/g, " ").trim();
        return question.caseSensitive ? given === accepted : given.toLowerCase() === accepted.toLowerCase();
      });
    }
    if (kind === "matching") {
      var wanted = question.pairs.map(function (p) { return p[0] + "." + p[1]; }).sort();
      var got = answer.map(function (p) { return p[0] + "." + p[1]; }).sort();
      return sameList(wanted, got);
    }
    if (kind === "ordering") return sameList(answer, question.order);
    return false;
  };

  // Interaction record for one answered question, in the adapter's formats.
  Quiz.prototype.interaction = function (question, answer, correct, format, now) {
    var kind = question.type;
    var response;
    var patterns;
    var pairText = function (pairs) {
      return pairs.map(function (p) { return p[0] + format.pair + p[1]; }).join(format.list);
    };
    if (kind === "single" || kind === "multiple") {
      response = answer.join(format.list);
      patterns = [question.correct.join(format.list)];
    } else if (kind === "truefalse") {
      response = format.trueFalse(answer[0]);
      patterns = [format.trueFalse(question.answer)];
    } else if (kind === "fillin") {
      response = truncate(answer[0], 250);
      patterns = question.accepted.slice(0, 5).map(function (text) {
        return format.fillinPattern(text, question.caseSensitive);
      });
    } else if (kind === "matching") {
      response = pairText(answer);
      patterns = [pairText(question.pairs)];
    } else {
      response = answer.join(format.list);
      patterns = [question.order.join(format.list)];
    }
    return {
      id: String(question.id).replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 255),
      type: INTERACTION_TYPES[kind],
      description: question.description || "",
      weighting: question.weight === undefined ? 1 : question.weight,
      response: response,
      patterns: patterns,
      correct: correct,
      when: new Date(now),
      latencyMs: (this.changedAt[question.id] || now) - this.startedAt
    };
  };

  // Scores answers; returns {score, passed, perQuestion: [{question, answer, correct}]}.
  Quiz.prototype.evaluate = function (answers) {
    var self = this;
    var total = 0;
    var earned = 0;
    var perQuestion = this.data.questions.map(function (question) {
      var answer = answers[question.id] || null;
      var correct = self.isCorrect(question, answer);
      var weight = question.weight === undefined ? 1 : Number(question.weight);
      total += weight;
      if (correct) earned += weight;
      return { question: question, answer: answer, correct: correct };
    });
    var score = total ? Math.round((earned / total) * 10000) / 100 : 0;
    return { score: score, passed: score >= (this.data.passMark || 0), perQuestion: perQuestion };
  };

  Quiz.prototype.submit = function () {
    if (this.submitted) return;
    var self = this;
    var answers = {};
    var missing = null;
    this.data.questions.forEach(function (question) {
      var answer = self.readAnswer(question);
      if (answer) answers[question.id] = answer;
      else if (!missing) missing = question;
    });
    if (missing) {
      var fieldset = this.fieldset(missing);
      var number = toArray(this.form.querySelectorAll(".sp-question")).indexOf(fieldset) + 1;
      var text = message(missing.type === "ordering" ? "ordering_incomplete" : "answer_missing", { number: number });
      this.showMessage(text, "");
      var control = fieldset.querySelector("input, select");
      if (control) control.focus();
      return;
    }
    this.attemptsUsed += 1;
    this.lastAnswers = answers;
    var result = this.evaluate(answers);
    this.result = result;
    this.show(result);
    this.onSubmit(result, answers, this);
  };

  Quiz.prototype.showMessage = function (text, state) {
    this.resultBox.className = "sp-quiz-result" + (state ? " sp-" + state : "");
    this.resultBox.textContent = "";
    var lines = Array.isArray(text) ? text : [text];
    var box = this.resultBox;
    lines.forEach(function (line) {
      var p = doc.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
  };

  Quiz.prototype.setLocked = function (locked) {
    toArray(this.form.querySelectorAll("input, select")).forEach(function (control) {
      control.disabled = locked;
    });
    this.submitButton.hidden = locked;
  };

  // Marks each question, reveals its feedback and the score; offers a retry.
  Quiz.prototype.show = function (result) {
    var self = this;
    this.submitted = true;
    result.perQuestion.forEach(function (entry) {
      var fieldset = self.fieldset(entry.question);
      if (!fieldset) return;
      fieldset.classList.remove("sp-is-correct", "sp-is-wrong");
      fieldset.classList.add(entry.correct ? "sp-is-correct" : "sp-is-wrong");
      var feedback = fieldset.querySelector(".sp-feedback");
      feedback.hidden = false;
      feedback.querySelector(".sp-verdict").textContent = message(entry.correct ? "correct" : "not_correct");
      var right = feedback.querySelector(".sp-feedback-correct");
      var wrong = feedback.querySelector(".sp-feedback-wrong");
      if (right) right.hidden = !entry.correct;
      if (wrong) wrong.hidden = entry.correct;
      toArray(fieldset.querySelectorAll(".sp-option-feedback")).forEach(function (node) {
        var option = node.getAttribute("data-feedback-for");
        node.hidden = !(entry.answer && entry.answer.indexOf(option) >= 0);
      });
    });
    this.setLocked(true);
    var left = this.attemptsLeft();
    var lines = [message("score", { score: result.score }) + " " +
      (result.passed ? message("passed") : message("pass_mark", { percent: this.data.passMark }))];
    if (!result.passed) {
      if (left === Infinity) lines.push(message("try_again"));
      else if (left > 0) lines.push(message("attempts_left", { count: left }));
      else lines.push(message("no_attempts_left"));
    }
    this.showMessage(lines, result.passed ? "passed" : "failed");
    if (this.retryButton) this.retryButton.hidden = result.passed || left <= 0;
  };

  Quiz.prototype.retry = function () {
    var self = this;
    this.submitted = false;
    this.form.reset();
    this.setLocked(false);
    this.retryButton.hidden = true;
    this.showMessage([], "");
    toArray(this.form.querySelectorAll(".sp-question")).forEach(function (fieldset) {
      fieldset.classList.remove("sp-is-correct", "sp-is-wrong");
      fieldset.querySelector(".sp-feedback").hidden = true;
      toArray(fieldset.querySelectorAll(".sp-option-feedback")).forEach(function (node) { node.hidden = true; });
    });
    this.startedAt = Date.now();
    this.changedAt = {};
    this.shuffleIfAsked();
    var first = this.form.querySelector("input, select");
    if (first) first.focus();
    self.onRetry && self.onRetry();
  };

  // Puts back the last submitted answers after a relaunch, as submitted.
  Quiz.prototype.restore = function (attemptsUsed, answers) {
    var self = this;
    this.attemptsUsed = attemptsUsed || 0;
    if (!answers || !this.attemptsUsed) return;
    this.data.questions.forEach(function (question) {
      self.writeAnswer(question, answers[question.id]);
    });
    this.lastAnswers = answers;
    this.result = this.evaluate(answers);
    this.show(this.result);
  };

  // ------------------------------------------------------------- the SCO

  function Runtime() {
    this.sco = readJson("sp-sco") || {};
    // The layout of the saved state (suspendData below); the page says which one this runtime writes.
    this.stateFormat = this.sco.stateFormat || 1;
    this.quizData = readJson("sp-quiz");
    this.layout = doc.body.getAttribute("data-layout") || "sco";
    this.pages = toArray(doc.querySelectorAll("[data-sp-page]"));
    this.page = 0;
    this.visited = [];
    this.adapter = null;
    this.finished = false;
    this.startedAt = Date.now();
    this.status = { completed: false, passed: null };
    this.quiz = null;
    this.navRequest = null;
  }

  Runtime.prototype.start = function () {
    var self = this;
    var form = byId("sp-quiz-form");
    if (form && this.quizData) {
      this.quiz = new Quiz(form, this.quizData, function (result, answers) {
        self.onQuizSubmitted(result, answers);
      });
      this.quiz.onRetry = function () { self.save(true); };
    }
    if (this.layout !== "sco" && this.layout !== "web") return; // paged pages: links navigate, no LMS

    if (this.layout === "web") {
      // The offline web edition: no LMS; web.js keeps the progress in the browser.
      var local = window.ScormpackWeb ? window.ScormpackWeb.adapter() : null;
      this.begin(local && local.initialize() ? local : null);
      return;
    }
    if (launchedByCmi5()) {
      connectCmi5(function (adapter) { self.begin(adapter); });
      return;
    }
    var adapter = connect();
    if (adapter && !adapter.initialize()) adapter = null;
    this.begin(adapter);
  };

  // The rest of the start, once the LMS is known (cmi5 answers asynchronously).
  Runtime.prototype.begin = function (adapter) {
    var self = this;
    this.adapter = adapter;
    if (adapter && adapter.lmsRules) this.applyLmsRules(adapter.lmsRules());
    var resume = this.adapter ? this.readLms() : {};
    if (this.adapter && !this.adapter.local) keepLinksOutOfTheFrame();

    this.nav = byId("sp-nav");
    this.prevButton = byId("sp-previous");
    this.nextButton = byId("sp-next");
    this.prevModule = byId("sp-previous-module");
    this.nextModule = byId("sp-next-module");
    this.progress = byId("sp-progress");
    this.progressText = byId("sp-progress-text");
    this.progressBar = byId("sp-progress-bar");
    if (this.nav) this.nav.hidden = false;
    if (this.progress) this.progress.hidden = false;
    this.prevButton.addEventListener("click", function () { self.go(self.page - 1, true); });
    this.nextButton.addEventListener("click", function () { self.go(self.page + 1, true); });
    this.prevModule.addEventListener("click", function () { self.requestNavigation("previous"); });
    this.nextModule.addEventListener("click", function () { self.requestNavigation("continue"); });

    var saved = this.readableState(resume.saved);
    this.visited = saved.visited;
    if (this.quiz && saved.quiz) this.restoreQuiz(saved.quiz);
    var bookmark = parseInt(resume.location, 10);
    if (!(bookmark >= 0 && bookmark < this.pages.length)) bookmark = 0;

    var finish = function () { self.finish(); };
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
    window.addEventListener("unload", finish);

    this.go(bookmark, false);
  };

  // What can be read back of the saved state. An LMS hands a new version of a
  // module the state its previous version saved (Moodle does, as-is): a layout
  // of another format is dropped whole; in a known one, pages that no longer
  // exist are dropped, and the last answers are kept only when every one is for
  // a question the module still has (the attempts used are kept either way).
  // The status and score stay in the LMS's own fields, so a passed quiz stays passed.
  Runtime.prototype.readableState = function (saved) {
    var state = { visited: [], quiz: null };
    if (!saved || typeof saved !== "object" || Array.isArray(saved)) return state;
    if (saved.f !== undefined && saved.f !== this.stateFormat) return state; // no "f": the first layout, this one
    var count = this.pages.length;
    if (Array.isArray(saved.v)) {
      state.visited = saved.v.filter(function (i) { return typeof i === "number" && i % 1 === 0 && i >= 0 && i < count; });
    }
    var q = saved.q;
    if (this.quiz && q && typeof q === "object" && typeof q.n === "number" && q.n >= 0) {
      var answers = q.r && typeof q.r === "object" && !Array.isArray(q.r) ? q.r : null;
      var known = {};
      this.quizData.questions.forEach(function (question) { known[question.id] = true; });
      var readable = !!answers && Object.keys(answers).every(function (id) {
        return known[id] === true && Array.isArray(answers[id]);
      });
      state.quiz = { attempts: Math.floor(q.n), answers: readable ? answers : null };
    }
    return state;
  };

  Runtime.prototype.restoreQuiz = function (saved) {
    var quiz = this.quiz;
    try {
      quiz.restore(saved.attempts, saved.answers);
    } catch (e) {
      // Answers of a shape this page cannot show: start the check clean, attempts kept.
      var onRetry = quiz.onRetry;
      quiz.onRetry = null;
      quiz.retry();
      quiz.onRetry = onRetry;
      quiz.lastAnswers = null;
      quiz.result = null;
      quiz.attemptsUsed = saved.attempts;
    }
    if (!quiz.result && quiz.attemptsLeft() <= 0) {
      quiz.setLocked(true);
      quiz.showMessage(message("no_attempts_left"), "");
    }
  };

  // What a cmi5 LMS decides over the package: its masteryScore is the pass
  // mark, and its moveOn says whether the knowledge check must be passed.
  Runtime.prototype.applyLmsRules = function (rules) {
    if (!this.quizData) return;
    if (rules.passMark !== null) this.quizData.passMark = rules.passMark;
    if (rules.quizRequired !== null) this.quizData.required = rules.quizRequired;
  };

  // Reads what the LMS stored; sets "incomplete" on a first start.
  Runtime.prototype.readLms = function () {
    var a = this.adapter;
    var saved = null;
    try {
      saved = JSON.parse(a.get("cmi.suspend_data") || "null");
    } catch (e) {
      saved = null;
    }
    var location = a.get(a.el("cmi.core.lesson_location", "cmi.location"));
    if (a.is2004) {
      var completion = a.get("cmi.completion_status");
      var success = a.get("cmi.success_status");
      this.status.completed = completion === "completed";
      this.status.passed = success === "passed" ? true : success === "failed" ? false : null;
      if (!completion || completion === "unknown" || completion === "not attempted") {
        a.set("cmi.completion_status", "incomplete");
      }
    } else {
      var status = a.get("cmi.core.lesson_status");
      this.status.completed = status === "completed" || status === "passed" || status === "failed";
      this.status.passed = status === "passed" ? true : status === "failed" ? false : null;
      if (!status || status === "not attempted") a.set("cmi.core.lesson_status", "incomplete");
    }
    return { saved: saved && typeof saved === "object" ? saved : null, location: location };
  };

  Runtime.prototype.contentCount = function () {
    return this.quiz && this.layout !== "paged" ? this.pages.length - 1 : this.pages.length;
  };

  // When a page with media counts as seen, as its author chose (seen= on the media):
  // "played" once every such player has played to its end, "moved-on" once the
  // learner leaves the page (or plays it to the end); other pages on arrival.
  Runtime.prototype.seenRule = function (index) {
    var rules = toArray(this.pages[index].querySelectorAll("[data-sp-seen]")).map(function (media) {
      return media.getAttribute("data-sp-seen");
    });
    return rules.indexOf("played") >= 0 ? "played" : rules.indexOf("moved-on") >= 0 ? "moved-on" : null;
  };

  Runtime.prototype.markSeen = function (index) {
    if (this.visited.indexOf(index) >= 0) return;
    this.visited.push(index);
    this.visited.sort(function (x, y) { return x - y; });
  };

  Runtime.prototype.allMediaSeen = function () {
    for (var i = 0; i < this.pages.length; i++) {
      if (this.seenRule(i) && this.visited.indexOf(i) < 0) return false;
    }
    return true;
  };

  Runtime.prototype.watchMedia = function (index) {
    var self = this;
    var players = toArray(this.pages[index].querySelectorAll("[data-sp-seen]"));
    players.forEach(function (player) {
      if (player.getAttribute("data-sp-watched")) return;
      player.setAttribute("data-sp-watched", "true");
      player.addEventListener("ended", function () {
        player.setAttribute("data-sp-ended", "true");
        var waiting = players.filter(function (other) { return !other.getAttribute("data-sp-ended"); });
        if (waiting.length && self.seenRule(index) === "played") return;
        self.markSeen(index);
        self.checkCompletion();
        self.save(true);
      });
    });
  };

  Runtime.prototype.go = function (index, moveFocus) {
    if (index < 0 || index >= this.pages.length) return;
    var left = this.shown;
    if (left !== undefined && left !== index && this.seenRule(left) === "moved-on") this.markSeen(left);
    this.shown = index; // the page the learner is on in this session (this.page starts at 0 before the bookmark)
    this.page = index;
    if (this.seenRule(index)) this.watchMedia(index);
    else this.markSeen(index);
    this.pages.forEach(function (section, i) { section.hidden = i !== index; });
    var total = this.pages.length;
    this.progressText.textContent = message("progress", { number: index + 1, total: total });
    this.progressBar.max = total;
    this.progressBar.value = index + 1;
    this.progressBar.textContent = this.progressText.textContent;
    this.prevButton.hidden = index === 0;
    this.nextButton.hidden = index === total - 1;
    this.updateModuleButtons();
    if (moveFocus) {
      var heading = this.pages[index].querySelector(".sp-page-title");
      window.scrollTo(0, 0);
      if (heading) heading.focus();
    }
    this.checkCompletion();
    this.save(true);
  };

  Runtime.prototype.updateModuleButtons = function () {
    if (!this.nextModule || !this.prevModule) return; // the one-page-per-file layout has none
    var a = this.adapter;
    var can = function (request) {
      return !!(a && a.is2004 && a.get("adl.nav.request_valid." + request) === "true");
    };
    this.nextModule.hidden = !(this.page === this.pages.length - 1 && can("continue"));
    this.prevModule.hidden = !(this.page === 0 && can("previous"));
  };

  // Content completion: reaching the last page, or the last content page when
  // the knowledge check is optional. A required check completes on its own.
  Runtime.prototype.checkCompletion = function () {
    if (this.status.completed) return;
    var required = this.quiz ? this.quizData.required !== false : false;
    if (this.quiz && required) return;
    if (this.page >= this.contentCount() - 1 && this.allMediaSeen()) {
      this.status.completed = true;
      this.writeStatus();
    }
  };

  Runtime.prototype.writeStatus = function () {
    var a = this.adapter;
    if (!a) return;
    if (a.is2004) {
      if (this.status.completed) a.set("cmi.completion_status", "completed");
      if (this.status.passed !== null) a.set("cmi.success_status", this.status.passed ? "passed" : "failed");
    } else if (this.status.passed === true) {
      a.set("cmi.core.lesson_status", "passed");
    } else if (this.status.passed === false) {
      a.set("cmi.core.lesson_status", "failed");
    } else if (this.status.completed) {
      a.set("cmi.core.lesson_status", "completed");
    }
  };

  Runtime.prototype.onQuizSubmitted = function (result, answers) {
    var a = this.adapter;
    var quiz = this.quiz;
    var required = this.quizData.required !== false;
    if (result.passed) {
      this.status.passed = true;
    } else if (required && this.status.passed !== true) {
      this.status.passed = false;
    }
    if (required && (result.passed || quiz.attemptsLeft() <= 0)) this.status.completed = true;
    if (a) {
      var now = Date.now();
      result.perQuestion.forEach(function (entry) {
        if (!entry.answer) return;
        a.recordInteraction(quiz.interaction(entry.question, entry.answer, entry.correct, a.format, now));
      });
      a.set(a.el("cmi.core.score.min", "cmi.score.min"), 0);
      a.set(a.el("cmi.core.score.max", "cmi.score.max"), 100);
      a.set(a.el("cmi.core.score.raw", "cmi.score.raw"), result.score);
      if (a.is2004) a.set("cmi.score.scaled", Math.round(result.score * 100) / 10000);
      this.writeStatus();
    }
    this.save(true);
    // A passed check can make the LMS allow moving on: ask again after the commit.
    this.updateModuleButtons();
  };

  Runtime.prototype.isDone = function () {
    if (!this.quiz || this.quizData.required === false) return this.status.completed;
    return this.status.passed === true || (this.status.completed && this.quiz.attemptsLeft() <= 0);
  };

  // Compact bookmark data: page, visited pages, quiz attempts and last answers.
  Runtime.prototype.suspendData = function (limit) {
    var data = { f: this.stateFormat, p: this.page, v: this.visited };
    if (this.quiz && this.quiz.attemptsUsed) {
      data.q = { n: this.quiz.attemptsUsed, r: this.quiz.lastAnswers || {} };
    }
    var text = JSON.stringify(data);
    if (text.length > limit && data.q) {
      // Too long: drop the longest answers until it fits.
      var answers = data.q.r;
      var ids = Object.keys(answers).sort(function (x, y) {
        return JSON.stringify(answers[y]).length - JSON.stringify(answers[x]).length;
      });
      while (text.length > limit && ids.length) {
        delete answers[ids.shift()];
        text = JSON.stringify(data);
      }
    }
    if (text.length > limit) text = JSON.stringify({ f: this.stateFormat, p: this.page });
    return text;
  };

  Runtime.prototype.save = function (commit) {
    var a = this.adapter;
    if (!a || !a.active) return;
    a.set(a.el("cmi.core.lesson_location", "cmi.location"), this.page);
    a.set("cmi.suspend_data", this.suspendData(a.is2004 ? 64000 : 4096));
    if (a.is2004) {
      var seen = this.pages.length ? this.visited.length / this.pages.length : 1;
      a.set("cmi.progress_measure", Math.round(Math.min(1, seen) * 10000) / 10000);
    }
    if (commit) a.commit();
  };

  Runtime.prototype.requestNavigation = function (request) {
    var a = this.adapter;
    if (!a || !a.is2004) return;
    this.navRequest = request;
    a.set("adl.nav.request", request);
    this.finish();
  };

  // Ends the session once: session time, exit mode, then Terminate/LMSFinish.
  Runtime.prototype.finish = function () {
    if (this.finished) return;
    this.finished = true;
    var a = this.adapter;
    if (!a || !a.active) return;
    this.save(false);
    var elapsed = Date.now() - this.startedAt;
    var done = this.isDone();
    if (a.is2004) {
      a.set("cmi.session_time", duration2004(elapsed));
      a.set("cmi.exit", done ? "normal" : "suspend");
    } else {
      a.set("cmi.core.session_time", timespan12(elapsed));
      a.set("cmi.core.exit", done ? "" : "suspend");
    }
    a.commit();
    a.terminate();
  };

  // A link followed in the SCO's own frame unloads the SCO and ends its
  // session; the page it opens would then find this SCO's finished API (or,
  // in some LMSs, record into this SCO's attempt). While tracked, links that
  // leave this page open a new window without an opener, so the linked page
  // runs untracked and this session goes on.
  function keepLinksOutOfTheFrame() {
    var here = window.location.href.split("#")[0];
    toArray(doc.querySelectorAll("a[href]")).forEach(function (link) {
      var href = link.getAttribute("href");
      if (href.charAt(0) === "#" || link.href.split("#")[0] === here || /^(mailto|tel):/i.test(href)) return;
      link.target = "_blank";
      link.rel = (link.rel ? link.rel + " " : "") + "noopener";
      var note = doc.createElement("span");
      note.className = "sp-visually-hidden";
      note.textContent = message("new_window");
      link.appendChild(note);
    });
  }

  var runtime = new Runtime();

  // A small read-only view for tests and preview tools.
  window.scormpack = {
    get adapter() { return runtime.adapter ? runtime.adapter.version : "none"; },
    get page() { return runtime.page; },
    get pageCount() { return runtime.pages.length; },
    get visited() { return runtime.visited.slice(); },
    get finished() { return runtime.finished; },
    get status() { return { completed: runtime.status.completed, passed: runtime.status.passed }; },
    get quiz() {
      var q = runtime.quiz;
      return q ? {
        attemptsUsed: q.attemptsUsed,
        attemptsLeft: q.attemptsLeft() === Infinity ? null : q.attemptsLeft(),
        score: q.result ? q.result.score : null,
        passed: q.result ? q.result.passed : null,
        answers: q.lastAnswers
      } : null;
    },
    go: function (index) { runtime.go(index, true); },
    finish: function () { runtime.finish(); },
    formats: { timespan12: timespan12, duration2004: duration2004 }
  };

  runtime.start();
})();
