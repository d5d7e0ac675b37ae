/*
 * The course's own small script for the published book.
 *
 * Without it, every case shows all its scenes, responses and feedback in <details> elements,
 * and every check shows its explanations: the page works with no script at all. With it:
 *
 *  - a case goes one scene at a time: choose a response, read its feedback, try another,
 *    continue along the branch, go back, restart; a content note comes first, with a skip;
 *  - a check can be answered ("Check my answer") and explains the chosen options;
 *  - a reflection can be written, and scored against the rubric, on the page.
 *
 * Answers are kept in this browser's localStorage only, under "affirming-care:answers:<module>",
 * in the same JSON shape as the notebooks' answer files (affirming_care/store.py). Nothing is
 * sent anywhere. A button on the page clears them.
 */
(function () {
  "use strict";

  var PREFIX = "affirming-care:answers:";
  var FORMAT = "affirming-care/answers";
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  /* The same timestamp shape as store.py: 2026-11-26T20:48:00+00:00 */
  function now() {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else if (key === "onclick") { node.addEventListener("click", attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  function button(label, onclick, primary, extraClass) {
    return el("button", {
      type: "button",
      className: "ac-btn" + (primary ? " ac-btn-primary" : "") + (extraClass ? " " + extraClass : ""),
      onclick: onclick
    }, [label]);
  }

  function show(node, visible) {
    if (node) { node.classList.toggle("ac-off", !visible); }
  }

  function focusOn(node) {
    if (!node) { return; }
    if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
      node.setAttribute("tabindex", "-1");
    }
    node.focus({ preventScroll: false });
  }

  function sameSet(a, b) {
    var x = a.slice().sort(), y = b.slice().sort();
    return x.length === y.length && x.every(function (v, i) { return v === y[i]; });
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /* ------------------------------------------------------------------------------------------
   * The answer store: one module's answers in localStorage, in the notebooks' file format.
   * ---------------------------------------------------------------------------------------- */

  function Store(moduleId) {
    this.module = moduleId;
    this.key = moduleId ? PREFIX + moduleId : null;
    this.memory = this.fresh();
    this.warning = null;
    this.onwarning = function () {};
    this.persistent = false;
    if (this.key) {
      try {
        var probe = PREFIX + "probe";
        window.localStorage.setItem(probe, "1");
        window.localStorage.removeItem(probe);
        this.persistent = true;
      } catch (err) {
        this.warning = "This browser is not keeping answers (its storage is turned off), " +
          "so your answers on this page are gone when you leave it.";
      }
    }
  }

  Store.prototype.fresh = function () {
    return { format: FORMAT, version: 1, module: this.module || "", vignettes: {}, checks: {}, reflections: {} };
  };

  /* What is stored now; a damaged entry is kept under another key (never deleted) and reported. */
  Store.prototype.load = function () {
    if (!this.persistent) { return this.memory; }
    var raw = window.localStorage.getItem(this.key);
    if (raw === null) { return this.fresh(); }
    var data = null, problem = null;
    try { data = JSON.parse(raw); } catch (err) { problem = "it is not valid JSON"; }
    if (!problem) {
      if (!isObject(data) || data.format !== FORMAT) { problem = "it is not an answer store"; }
      else if (data.version !== 1) { problem = "it has version " + data.version + ", expected 1"; }
      else if (data.module !== this.module) { problem = "it is for module " + data.module + ", expected " + this.module; }
      else if (!isObject(data.vignettes) || !isObject(data.checks) || !isObject(data.reflections)) {
        problem = "its vignettes, checks or reflections are missing";
      }
    }
    if (problem) {
      var aside = this.key + ":damaged-" + now().replace(/[^0-9T]/g, "");
      try { window.localStorage.setItem(aside, raw); } catch (err) { aside = null; }
      window.localStorage.removeItem(this.key);
      this.warn("Your saved answers for this module could not be read (" + problem + "). " +
        (aside ? "They were kept in this browser under " + aside + "; nothing was deleted. " : "") +
        "Your answers from now on are kept afresh.");
      return this.fresh();
    }
    return data;
  };

  /* Read the latest (another tab may have written), change it, write it back at once. */
  Store.prototype.update = function (change) {
    var data = this.load();
    change(data);
    if (!this.persistent) { this.memory = data; return data; }
    try {
      window.localStorage.setItem(this.key, JSON.stringify(data));
    } catch (err) {
      this.warn("This browser could not keep your latest answer (its storage may be full).");
    }
    return data;
  };

  Store.prototype.warn = function (message) {
    this.warning = message;
    this.onwarning(message);
  };

  Store.prototype.clear = function () {
    this.memory = this.fresh();
    if (this.persistent) { window.localStorage.removeItem(this.key); }
  };

  /* ------------------------------------------------------------------------------------------
   * A branching case.
   * ---------------------------------------------------------------------------------------- */

  function Vignette(root, store) {
    var self = this;
    this.root = root;
    this.store = store;
    this.id = root.getAttribute("data-vignette");
    this.start = root.getAttribute("data-start");
    this.title = (root.querySelector(".ac-title") || {}).textContent || "this case";
    this.note = root.querySelector(".ac-content-note");
    this.scenes = {};
    this.endings = {};
    this.chosen = null;
    root.querySelectorAll(":scope > .ac-scene").forEach(function (section) {
      var choices = [];
      section.querySelectorAll(":scope > .ac-choices > li > details.ac-choice").forEach(function (d, i) {
        choices.push({
          id: d.getAttribute("data-choice"),
          next: d.getAttribute("data-next"),
          fit: d.getAttribute("data-fit"),
          letter: LETTERS.charAt(i),
          summary: d.querySelector("summary"),
          feedback: d.querySelector(".ac-feedback")
        });
      });
      var onward = section.querySelector(":scope > p.ac-next[data-next]");
      self.scenes[section.getAttribute("data-scene")] = {
        el: section,
        choices: choices,
        next: onward ? onward.getAttribute("data-next") : null,
        hide: section.querySelectorAll(":scope > .ac-choices, :scope > p.ac-next")
      };
    });
    root.querySelectorAll(":scope > .ac-ending").forEach(function (section) {
      var title = section.querySelector("strong");
      self.endings[section.getAttribute("data-ending")] = {
        el: section,
        title: title ? title.textContent.replace(/^Ending:\s*/, "") : ""
      };
    });
    this.end = root.querySelector(":scope > .ac-end");
    this.skipLink = this.note ? this.note.querySelector('a[href$="--end"]') : null;
    this.live = el("p", { className: "ac-ui ac-visually-hidden", role: "status", "aria-live": "polite" });
    this.step = el("h4", { className: "ac-ui ac-step", tabindex: "-1" });
    this.panel = el("div", { className: "ac-ui ac-stage" });
    root.appendChild(this.live);
    root.classList.add("ac-enhanced");
    this.load();
    this.render(false);
  }

  Vignette.prototype.blank = function () {
    return { status: "not-started", path: [], events: [], ending: null, updated: now() };
  };

  Vignette.prototype.load = function () {
    var stored = this.store.load().vignettes[this.id];
    this.record = isObject(stored) ? stored : this.blank();
    var cur = this.current();
    if (cur !== null && !this.scenes[cur] && !this.endings[cur]) {
      this.record = this.blank(); /* the case changed since: start it afresh */
    }
    this.chosen = null;
  };

  Vignette.prototype.current = function () {
    var r = this.record;
    if (r.status === "not-started" || r.status === "skipped" || !r.path || !r.path.length) { return null; }
    return r.path[r.path.length - 1];
  };

  Vignette.prototype.save = function () {
    var id = this.id, record = this.record;
    record.updated = now();
    this.store.update(function (data) { data.vignettes[id] = record; });
  };

  Vignette.prototype.say = function (message) {
    var live = this.live;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  };

  /* The learner's actions: the same rules as the notebook widget (widgets.VignetteWidget). */
  Vignette.prototype.begin = function () {
    this.chosen = null;
    this.record.status = "in-progress";
    this.record.path = [this.start];
    this.record.ending = null;
    this.save();
    this.render(true);
    this.say("Part 1 of the case.");
  };

  Vignette.prototype.skip = function () {
    this.record.status = "skipped";
    this.save();
    this.render(true, "p");
    this.say("Case skipped.");
  };

  Vignette.prototype.choose = function (choice) {
    var scene = this.current();
    this.chosen = choice.id;
    this.record.events.push({ scene: scene, choice: choice.id, at: now() });
    this.save();
    this.render(true, ".ac-chosen");
    this.say("Feedback on response " + choice.letter + ".");
  };

  Vignette.prototype.tryAgain = function () {
    var before = this.chosen;
    this.chosen = null;
    this.render(true, '[data-choice="' + before + '"]');
    this.say("Choose a response.");
  };

  Vignette.prototype.goOn = function () {
    var scene = this.scenes[this.current()];
    var self = this, target;
    if (scene.choices.length) {
      target = scene.choices.filter(function (c) { return c.id === self.chosen; })[0].next;
    } else {
      target = scene.next;
    }
    this.chosen = null;
    this.record.path.push(target);
    if (this.endings[target]) {
      this.record.status = "finished";
      this.record.ending = target;
    }
    this.save();
    this.render(true);
    this.say(this.endings[target] ? "Ending: " + this.endings[target].title + "." : "Part " + this.record.path.length + " of the case.");
  };

  Vignette.prototype.back = function () {
    this.chosen = null;
    if (this.record.path.length > 1) {
      this.record.path.pop();
      this.record.status = "in-progress";
      this.record.ending = null;
    }
    this.save();
    this.render(true);
    this.say("Back to part " + this.record.path.length + " of the case.");
  };

  Vignette.prototype.restart = function () {
    this.begin();
    this.say("The case starts again from the beginning.");
  };

  Vignette.prototype.reset = function () {
    this.record = this.blank();
    this.chosen = null;
    this.render(false);
  };

  /* Draw the current state: one scene (or ending) shown, with its controls after it.
   * With moveFocus, the focus goes to the panel's element matching ``target`` (a selector),
   * or else to the step heading above the scene. */
  Vignette.prototype.render = function (moveFocus, target) {
    var self = this, cur = this.current();
    var status = this.record.status;
    Object.keys(this.scenes).forEach(function (k) { show(self.scenes[k].el, false); });
    Object.keys(this.endings).forEach(function (k) { show(self.endings[k].el, false); });
    show(this.end, false);
    show(this.skipLink ? this.skipLink.parentNode : null, false);
    show(this.note, cur === null && status !== "skipped");
    this.panel.textContent = "";
    this.step.textContent = "";
    var anchor;

    if (status === "skipped") {
      anchor = this.note || this.root.querySelector(".ac-client");
      this.panel.appendChild(el("p", { tabindex: "-1", text: "You skipped this case. You can start it whenever you are ready." }));
      this.panel.appendChild(this.bar([button("Start the case", this.begin.bind(this), true)]));
    } else if (cur === null) {
      anchor = this.note || this.lastIntro();
      var start = [button("Start the case", this.begin.bind(this), true)];
      if (this.note) { start.push(button("Skip this case", this.skip.bind(this))); }
      this.panel.appendChild(this.bar(start));
    } else if (this.endings[cur]) {
      anchor = this.endings[cur].el;
      show(anchor, true);
      this.step.textContent = "The end of this path";
      this.panel.appendChild(el("p", { text: "You reached an ending. Go back to choose differently, or restart the case." }));
      this.panel.appendChild(this.bar(this.nav()));
    } else {
      var scene = this.scenes[cur];
      anchor = scene.el;
      show(anchor, true);
      scene.hide.forEach(function (node) { show(node, false); });
      this.step.textContent = "Part " + this.record.path.length;
      if (!scene.choices.length) {
        this.panel.appendChild(this.bar([button("Continue", this.goOn.bind(this), true)].concat(this.nav())));
      } else if (this.chosen === null) {
        this.panel.appendChild(this.responses(scene, cur));
        this.panel.appendChild(this.bar(this.nav()));
      } else {
        var choice = scene.choices.filter(function (c) { return c.id === self.chosen; })[0];
        var box = el("div", { className: "ac-chosen", tabindex: "-1" }, [
          el("p", {}, [el("strong", { text: "You chose " + choice.letter + ": " }), choice.summary.textContent])
        ]);
        box.appendChild(choice.feedback.cloneNode(true));
        this.panel.appendChild(box);
        this.panel.appendChild(this.bar([
          button("Try another response", this.tryAgain.bind(this)),
          button("Continue", this.goOn.bind(this), true)
        ].concat(this.nav())));
      }
    }
    if (this.step.textContent) {
      anchor.parentNode.insertBefore(this.step, anchor);
    } else if (this.step.parentNode) {
      this.step.parentNode.removeChild(this.step);
    }
    anchor.parentNode.insertBefore(this.panel, anchor.nextSibling);
    if (moveFocus) { focusOn((target && this.panel.querySelector(target)) || this.step); }
  };

  Vignette.prototype.lastIntro = function () {
    var firstScene = this.root.querySelector(":scope > .ac-scene");
    return firstScene ? firstScene.previousElementSibling : this.root.lastElementChild;
  };

  Vignette.prototype.bar = function (buttons) {
    return el("div", { className: "ac-bar" }, buttons);
  };

  Vignette.prototype.nav = function () {
    var buttons = [];
    if (this.record.path.length > 1) { buttons.push(button("Back", this.back.bind(this))); }
    buttons.push(button("Restart", this.restart.bind(this)));
    return buttons;
  };

  Vignette.prototype.responses = function (scene, sceneId) {
    var self = this;
    var tried = {};
    (this.record.events || []).forEach(function (e) { if (e.scene === sceneId) { tried[e.choice] = true; } });
    var list = el("ul", { className: "ac-responses" });
    scene.choices.forEach(function (choice) {
      var b = button(choice.letter + ". " + choice.summary.textContent, function () { self.choose(choice); }, false, "ac-response");
      b.setAttribute("data-choice", choice.id);
      if (tried[choice.id]) {
        b.appendChild(el("span", { className: "ac-tried", text: " (you have read this feedback)" }));
      }
      list.appendChild(el("li", {}, [b]));
    });
    return list;
  };

  /* ------------------------------------------------------------------------------------------
   * A knowledge check.
   * ---------------------------------------------------------------------------------------- */

  function Check(form, store) {
    var self = this;
    this.form = form;
    this.store = store;
    this.id = form.getAttribute("data-check");
    this.kind = form.getAttribute("data-kind");
    this.inputs = Array.prototype.slice.call(form.querySelectorAll("input[name]"));
    this.explanations = form.querySelector("details.ac-explanations");
    this.items = {};
    form.querySelectorAll("li[data-option]").forEach(function (li) { self.items[li.getAttribute("data-option")] = li; });
    this.correct = Object.keys(this.items).filter(function (k) { return self.items[k].getAttribute("data-correct") === "true"; });
    this.feedback = el("div", { className: "ac-ui ac-check-feedback", role: "status", "aria-live": "polite" });
    var submit = el("button", { type: "submit", className: "ac-btn ac-btn-primary" }, ["Check my answer"]);
    var fieldset = form.querySelector("fieldset");
    fieldset.parentNode.insertBefore(el("div", { className: "ac-ui ac-bar" }, [submit]), fieldset.nextSibling);
    form.insertBefore(this.feedback, this.explanations);
    form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    form.classList.add("ac-enhanced");
    this.load();
  }

  Check.prototype.selected = function () {
    return this.inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  };

  Check.prototype.load = function () {
    var record = this.store.load().checks[this.id];
    var selected = isObject(record) && Array.isArray(record.selected) ? record.selected : [];
    this.inputs.forEach(function (i) { i.checked = selected.indexOf(i.value) >= 0; });
    if (selected.length) { this.explain(selected); } else { this.reset(true); }
  };

  Check.prototype.reset = function (keepInputs) {
    if (!keepInputs) { this.inputs.forEach(function (i) { i.checked = false; }); }
    this.feedback.textContent = "";
    show(this.explanations, false);
  };

  Check.prototype.submit = function () {
    var selected = this.selected().sort();
    if (!selected.length) {
      this.feedback.textContent = "Choose an answer first.";
      return;
    }
    var id = this.id;
    this.store.update(function (data) {
      var record = isObject(data.checks[id]) ? data.checks[id] : { selected: [], attempts: [] };
      var at = now();
      record.selected = selected;
      record.attempts = (record.attempts || []).concat([{ selected: selected, at: at }]);
      record.updated = at;
      data.checks[id] = record;
    });
    this.explain(selected);
  };

  /* The same feedback as the notebook's check widget: a verdict, then the chosen options explained. */
  Check.prototype.explain = function (selected) {
    var self = this;
    if (!this.explanations) {
      /* A check printed without its key (as in a graded assignment): keep the answer, judge nothing. */
      this.feedback.textContent = "Your answer is kept in this browser.";
      return;
    }
    var right = sameSet(selected, this.correct);
    this.feedback.textContent = "";
    this.feedback.appendChild(el("p", {}, [el("strong", { text: right ? "Correct." : "Not quite." })]));
    if (this.kind === "multiple" && !right) {
      this.feedback.appendChild(el("p", {
        text: "Some right answers are missing or some wrong ones are chosen; the list shows both."
      }));
    }
    var list = el("ul");
    this.inputs.forEach(function (input) {
      var id = input.value;
      var wanted = selected.indexOf(id) >= 0 || (self.kind === "multiple" && self.correct.indexOf(id) >= 0);
      if (wanted && self.items[id]) {
        var li = el("li");
        li.innerHTML = self.items[id].innerHTML;
        list.appendChild(li);
      }
    });
    this.feedback.appendChild(list);
    show(this.explanations, true);
  };

  /* ------------------------------------------------------------------------------------------
   * A reflection: written on the page, with an optional self-assessment against the rubric.
   * ---------------------------------------------------------------------------------------- */

  function Reflection(root, store) {
    var self = this;
    this.root = root;
    this.store = store;
    this.id = root.getAttribute("data-reflection");
    var words = (root.textContent.match(/Aim for (\d+) to (\d+) words/) || []);
    this.range = words.length ? [Number(words[1]), Number(words[2])] : null;
    var box = el("div", { className: "ac-ui ac-reflection-form" });
    var textId = this.id + "--text", countId = this.id + "--count", hintId = this.id + "--hint";
    box.appendChild(el("label", { for: textId, className: "ac-label", text: "Your reflection" }));
    box.appendChild(el("p", {
      id: hintId, className: "ac-hint",
      text: "Kept in this browser only, as you type. Write about your practice; you are never asked about your own history."
    }));
    this.text = el("textarea", { id: textId, rows: "10", "aria-describedby": hintId + " " + countId });
    this.count = el("p", { id: countId, className: "ac-count" });
    this.live = el("p", { className: "ac-visually-hidden", role: "status", "aria-live": "polite" });
    box.appendChild(this.text);
    box.appendChild(this.count);
    box.appendChild(this.live);
    this.selects = {};
    var rows = root.querySelectorAll("tr[data-criterion]");
    if (rows.length) {
      var fieldset = el("fieldset", { className: "ac-self-assessment" }, [
        el("legend", { text: "Score yourself against the rubric (optional)" })
      ]);
      rows.forEach(function (row) {
        var cid = row.getAttribute("data-criterion");
        var selectId = self.id + "--score-" + cid;
        var select = el("select", { id: selectId }, [el("option", { value: "", text: "Not scored" })]);
        row.querySelectorAll("td[data-score]").forEach(function (td) {
          var score = td.getAttribute("data-score");
          select.appendChild(el("option", { value: score, text: score + ": " + td.textContent }));
        });
        select.addEventListener("change", function () { self.saveScores(); });
        self.selects[cid] = select;
        fieldset.appendChild(el("div", { className: "ac-field" }, [
          el("label", { for: selectId, text: row.querySelector("th").textContent }), select
        ]));
      });
      box.appendChild(fieldset);
    }
    root.appendChild(box);
    root.classList.add("ac-enhanced");
    var timer = null;
    this.text.addEventListener("input", function () {
      self.saveText();
      /* Say the count once the writer pauses, not at every key. */
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { self.live.textContent = self.count.textContent; }, 2000);
    });
    this.load();
  }

  Reflection.prototype.load = function () {
    var record = this.store.load().reflections[this.id];
    record = isObject(record) ? record : {};
    this.text.value = typeof record.text === "string" ? record.text : "";
    var scores = isObject(record.self_assessment) ? record.self_assessment : {};
    var selects = this.selects;
    Object.keys(selects).forEach(function (cid) {
      selects[cid].value = scores[cid] === undefined ? "" : String(scores[cid]);
    });
    this.showCount();
  };

  Reflection.prototype.reset = function () {
    this.text.value = "";
    var selects = this.selects;
    Object.keys(selects).forEach(function (cid) { selects[cid].value = ""; });
    this.showCount();
  };

  Reflection.prototype.words = function () {
    return this.text.value.split(/\s+/).filter(function (w) { return w.length > 0; }).length;
  };

  Reflection.prototype.showCount = function () {
    var n = this.words();
    var aim = this.range ? " (aim for " + this.range[0] + " to " + this.range[1] + ")" : "";
    this.count.textContent = n ? n + (n === 1 ? " word" : " words") + aim + ". Kept in this browser." : "";
  };

  Reflection.prototype.record = function (data) {
    var record = isObject(data.reflections[this.id]) ? data.reflections[this.id] : { text: "", self_assessment: {} };
    record.updated = now();
    data.reflections[this.id] = record;
    return record;
  };

  Reflection.prototype.saveText = function () {
    var self = this, text = this.text.value;
    this.store.update(function (data) { self.record(data).text = text; });
    this.showCount();
  };

  Reflection.prototype.saveScores = function () {
    var self = this, scores = {};
    Object.keys(this.selects).forEach(function (cid) {
      if (self.selects[cid].value !== "") { scores[cid] = Number(self.selects[cid].value); }
    });
    this.store.update(function (data) { self.record(data).self_assessment = scores; });
  };

  /* ------------------------------------------------------------------------------------------
   * The page: the answers panel with its clear button, and printing.
   * ---------------------------------------------------------------------------------------- */

  function answersPanel(store, widgets, main) {
    var template = document.getElementById("ac-answers-template");
    var panel = template && template.content ? template.content.firstElementChild.cloneNode(true) : null;
    if (!panel) { return; }
    var status = el("p", { className: "ac-status", role: "status", "aria-live": "polite" });
    var warning = el("p", { className: "ac-warning" });
    var confirmBox = el("div", { className: "ac-confirm" });
    var clearButton = button("Clear my answers for this module", function () {
      show(confirmBox, true);
      show(clearButton, false);
      focusOn(confirmBox.querySelector("p"));
    });
    var label = store.module ? "Module " + Number(store.module.slice(1)) : "this page";
    confirmBox.appendChild(el("p", {
      tabindex: "-1",
      text: "Clear every answer for " + label + " from this browser? This cannot be undone."
    }));
    function keep() {
      show(confirmBox, false);
      show(clearButton, true);
      focusOn(clearButton);
    }
    confirmBox.appendChild(el("div", { className: "ac-bar" }, [
      button("Yes, clear my answers", function () {
        store.clear();
        widgets.forEach(function (w) { w.reset(); });
        show(confirmBox, false);
        show(clearButton, true);
        focusOn(clearButton);
        status.textContent = "Your answers for " + label + " were cleared from this browser.";
      }, true),
      button("Keep my answers", keep)
    ]));
    confirmBox.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { keep(); }
    });
    show(confirmBox, false);
    panel.appendChild(warning);
    panel.appendChild(el("div", { className: "ac-bar" }, [clearButton]));
    panel.appendChild(confirmBox);
    panel.appendChild(status);
    function showWarning() {
      warning.textContent = store.warning || "";
      show(warning, Boolean(store.warning));
    }
    showWarning();
    store.onwarning = showWarning;
    var title = main.querySelector("h1");
    if (title) { title.parentNode.insertBefore(panel, title.nextSibling); } else { main.insertBefore(panel, main.firstChild); }
  }

  /* Printing shows every scene and every response with its feedback: open every <details>. */
  function preparePrinting() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("main details:not([open])").forEach(function (d) {
        d.setAttribute("open", "");
        opened.push(d);
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.removeAttribute("open"); });
      opened = [];
    });
  }

  function init() {
    var main = document.querySelector("main") || document.body;
    var meta = document.querySelector('meta[name="affirming-care-module"]');
    var store = new Store(meta ? meta.getAttribute("content") : null);
    var widgets = [];
    main.querySelectorAll("div.ac-vignette[data-vignette]").forEach(function (root) { widgets.push(new Vignette(root, store)); });
    main.querySelectorAll("form.ac-check[data-check]").forEach(function (form) { widgets.push(new Check(form, store)); });
    main.querySelectorAll("div.ac-reflection[data-reflection]").forEach(function (root) { widgets.push(new Reflection(root, store)); });
    if (widgets.length) { answersPanel(store, widgets, main); }
    preparePrinting();
    document.documentElement.classList.add("ac-js");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
