/*
 * "My progress" on the published book: the learner's progress from what this browser keeps.
 *
 * The course's engine (engine.js) keeps each module's answers in localStorage under
 * "affirming-care:answers:<module id>", in the same JSON shape as the notebooks' answer files.
 * This module reads them with the engine's one reader (readAnswers: the module check;
 * firstAttempt: the first-attempt rule), on this page only, and sends nothing anywhere.
 *
 * The course data (module titles, minutes, what each module holds) is in the page as JSON, in
 * <script type="application/json" id="ac-course-summary">, written by
 * affirming_care.progress.course_summary when the book is built. The rules are the same as
 * affirming_care.progress.module_progress; a test runs both on the same answers and compares.
 * The book has no graded post-test results (those come back to JupyterLab), so here a module gets
 * as far as "activities done, post-test not graded", never "complete".
 *
 * Under the table, one control clears every module's answers from this browser (a shared clinic
 * computer), after a confirmation that names the modules; it removes only this book's keys.
 */
import { PREFIX, firstAttempt, readAnswers } from "./engine.js";

const api = (function () {
  "use strict";


  function wordCount(text) {
    return String(text || "").split(/\s+/).filter(function (w) { return w.length > 0; }).length;
  }

  function sameSet(a, b) {
    var x = Array.from(new Set(a || [])).sort();
    var y = Array.from(new Set(b || [])).sort();
    return x.length === y.length && x.every(function (v, i) { return v === y[i]; });
  }

  function has(obj, key) {
    return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key);
  }

  /* One module's progress; the same rules as progress.module_progress in Python. */
  function moduleProgress(mod, rubric, store) {
    var p = {
      id: mod.id,
      number: mod.number,
      title: mod.title,
      notebook: mod.notebook,
      minutes: mod.minutes,
      status: "not started",
      cases_total: mod.vignettes.length,
      cases_done: 0,
      cases_skipped: 0,
      checks_total: mod.checks.length,
      checks_answered: 0,
      checks_right: 0,
      checks_right_first: 0,
      reflection_total: mod.reflection ? 1 : 0,
      reflection_words: 0,
      reflection_min: mod.reflection && mod.words ? mod.words[0] : 0,
      reflection_max: mod.reflection && mod.words ? mod.words[1] : 0,
      self_assessment: null,
      self_assessment_max: rubric.max,
      updated: null,
      problem: null,
      /* The book never has a returned post-test result: it is graded from the JupyterLab assignment. */
      posttest: "not graded",
      posttest_earned: null,
      posttest_possible: null,
      posttest_pass_mark: null,
      result_file: null
    };
    if (!store) { return finish(p); }
    var stamps = [];
    var vignettes = store.vignettes || {};
    var checks = store.checks || {};
    var reflections = store.reflections || {};
    mod.vignettes.forEach(function (vid) {
      if (!has(vignettes, vid)) { return; }
      var r = vignettes[vid];
      stamps.push(r.updated);
      if (r.status === "finished") { p.cases_done += 1; }
      if (r.status === "skipped") { p.cases_skipped += 1; }
    });
    mod.checks.forEach(function (q) {
      if (!has(checks, q.id)) { return; }
      var r = checks[q.id];
      if (!r.selected || r.selected.length === 0) { return; }
      stamps.push(r.updated);
      p.checks_answered += 1;
      if (sameSet(r.selected, q.answer)) { p.checks_right += 1; }
      var first = firstAttempt(r);
      if (sameSet(first, q.answer)) { p.checks_right_first += 1; }
    });
    if (mod.reflection && has(reflections, mod.reflection)) {
      var rr = reflections[mod.reflection];
      stamps.push(rr.updated);
      p.reflection_words = wordCount(rr.text);
      var scores = rr.self_assessment || {};
      if (rubric.criteria.every(function (c) { return has(scores, c); })) {
        p.self_assessment = rubric.criteria.reduce(function (sum, c) { return sum + scores[c]; }, 0);
      }
    }
    stamps = stamps.filter(function (s) { return typeof s === "string"; }).sort();
    p.updated = stamps.length ? stamps[stamps.length - 1] : null;
    var anything = Object.keys(vignettes).length + Object.keys(checks).length + Object.keys(reflections).length > 0;
    if (anything) {
      p.status = "started";
      if (p.cases_done === p.cases_total && inRange(p)) {
        p.status = p.posttest === "passed" ? "complete" : "activities done";
      }
    }
    return finish(p);
  }

  /* No reflection in the module, or one within the prompt's word range. */
  function inRange(p) {
    return !p.reflection_total || (p.reflection_words >= p.reflection_min && p.reflection_words <= p.reflection_max);
  }

  function finish(p) {
    p.reflection_written = p.reflection_words > 0;
    p.reflection_in_range = inRange(p);
    var total = p.cases_total + p.checks_total + p.reflection_total;
    var done = p.cases_done + p.checks_answered + (p.reflection_total && p.reflection_written ? 1 : 0);
    p.percent_done = total ? pyRound((100 * done) / total) : 0;
    return p;
  }

  /* Python's round(): halves go to the even neighbour. */
  function pyRound(x) {
    var f = Math.floor(x);
    var diff = x - f;
    if (Math.abs(diff - 0.5) < 1e-9) { return f % 2 === 0 ? f : f + 1; }
    return Math.round(x);
  }

  function courseProgress(summary, stores, problems) {
    var modules = summary.modules.map(function (mod) {
      var p = moduleProgress(mod, summary.rubric, stores[mod.id] || null);
      if (problems && problems[mod.id]) { p.problem = problems[mod.id]; }
      return p;
    });
    var complete = modules.filter(function (m) { return m.status === "complete"; });
    var done = modules.filter(function (m) { return m.status === "activities done"; });
    var started = modules.filter(function (m) { return m.status === "started"; });
    var sum = function (list) { return list.reduce(function (s, m) { return s + m.minutes; }, 0); };
    return {
      title: summary.title,
      modules: modules,
      complete: complete.length,
      activities_done: done.length,
      started: started.length,
      minutes_complete: sum(complete),
      minutes_total: sum(modules),
      problems: modules.filter(function (m) { return m.problem; }).map(function (m) { return m.problem; })
    };
  }

  /* Read every module's answers from storage; a key that cannot be read is reported, never changed.
   * Answers the engine kept aside as damaged ("<key>:damaged-<time>") are named too. */
  function readStores(storage, summary) {
    var stores = {};
    var problems = {};
    var keys = [];
    try { for (var i = 0; i < storage.length; i++) { keys.push(storage.key(i)); } } catch (e) { keys = []; }
    summary.modules.forEach(function (mod) {
      var key = PREFIX + mod.id;
      var raw = null;
      try { raw = storage.getItem(key); } catch (e) { raw = null; }
      var read = readAnswers(raw, mod.id);
      var kept = keys.filter(function (k) { return k && k.indexOf(key + ":damaged-") === 0; });
      if (read.problem) {
        problems[mod.id] = "Your saved answers for Module " + mod.number + " could not be read: " +
          read.problem + ". They are left as they are; open the module's page to keep them aside and start afresh.";
        return;
      }
      if (kept.length) {
        problems[mod.id] = "Earlier answers for Module " + mod.number + " could not be read, and this browser keeps them aside as " +
          kept.join(", ") + ". The progress below counts only the answers given since.";
      }
      if (read.data) { stores[mod.id] = read.data; }
    });
    return { stores: stores, problems: problems };
  }

  /* Words: the same sentences as progress.py. */
  function hoursText(minutes) {
    if (minutes < 60) { return "about " + minutes + " minutes"; }
    var hours = Math.floor(minutes / 15 + 0.5) / 4;
    return "about " + String(hours) + " hour" + (hours !== 1 ? "s" : "");
  }

  function label(m) { return "Module " + m.number + ": " + m.title; }

  function statusWords(m) {
    if (m.status === "started") { return "started (" + m.percent_done + "% done)"; }
    if (m.status === "activities done") {
      return m.posttest === "not passed" ? "activities done, post-test not passed" : "activities done, post-test not graded";
    }
    return m.status;
  }

  function having(p, status) { return p.modules.filter(function (m) { return m.status === status; }); }

  function summarySentence(p) {
    var complete = having(p, "complete");
    var done = having(p, "activities done");
    var started = having(p, "started");
    var text = "You have completed " + complete.length + " of " + p.modules.length + " modules.";
    if (done.length) {
      var k = done.length;
      text += " You have done the activities of " + k + " more module" + (k !== 1 ? "s" : "") + "; " +
        (k !== 1 ? "each is" : "it is") + " complete once its post-test is graded and passed.";
    }
    if (started.length) { text += " You have started " + started.length + " more."; }
    if (complete.length) { text += " The modules you completed take " + hoursText(p.minutes_complete) + " (estimated)."; }
    text += " The whole course takes " + hoursText(p.minutes_total) + ".";
    return text;
  }

  function chartAlt(p) {
    var pieces = [];
    var complete = having(p, "complete");
    var done = having(p, "activities done");
    var started = having(p, "started");
    var rest = having(p, "not started");
    var numbers = function (list) { return list.map(function (m) { return "Module " + m.number; }).join(", "); };
    if (complete.length) { pieces.push("complete: " + numbers(complete)); }
    if (done.length) { pieces.push("activities done, post-test not yet passed: " + numbers(done)); }
    if (started.length) {
      pieces.push("started: " + started.map(function (m) {
        return "Module " + m.number + " (" + m.percent_done + "% done)";
      }).join(", "));
    }
    if (rest.length) { pieces.push("not started: " + rest.length + " module" + (rest.length !== 1 ? "s" : "")); }
    return "Bar chart of how much of each of the " + p.modules.length + " modules you have done, " +
      "from 0 to 100 percent. " + pieces.join("; ") + ".";
  }

  function casesCell(m) {
    if (!m.cases_total) { return "none in this module"; }
    var text = m.cases_done + " of " + m.cases_total + " finished";
    if (m.cases_skipped) { text += "; " + m.cases_skipped + " skipped (a skipped case is not finished)"; }
    return text;
  }

  /* The book has no results: the post-test is graded from the Module N assignment in JupyterLab. */
  function posttestCell(m) {
    return "Post-test: hand in the Module " + m.number + " assignment to have it graded";
  }

  function checksCell(m) {
    if (!m.checks_total) { return "none in this module"; }
    if (!m.checks_answered) { return "0 of " + m.checks_total + " answered"; }
    return m.checks_answered + " of " + m.checks_total + " answered; " + m.checks_right_first +
      " right at the first try, " + m.checks_right + " right now";
  }

  function reflectionCell(m) {
    if (!m.reflection_total) { return "none in this module"; }
    if (!m.reflection_written) { return "not written yet (" + m.reflection_min + " to " + m.reflection_max + " words)"; }
    var text = "written (" + m.reflection_words + " words)";
    if (!m.reflection_in_range) {
      text = "written (" + m.reflection_words + " words; the prompt asks for " + m.reflection_min + " to " +
        m.reflection_max + ", so it does not count yet)";
    }
    text += m.self_assessment !== null ? "; you scored it " + m.self_assessment + " of " + m.self_assessment_max : "; not scored yet";
    return text;
  }

  /* Drawing (DOM) ----------------------------------------------------------------------------- */

  var SVG = "http://www.w3.org/2000/svg";
  var COLOURS = { "complete": "#1b7837", "activities done": "#5aae61", "started": "#2166ac", "not started": "#bdbdbd" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function chart(p) {
    var row = 26;
    var left = 320;
    var width = 720;
    var barMax = 280;
    var height = 30 + row * p.modules.length;
    var svg = svgEl("svg", {
      "viewBox": "0 0 " + width + " " + height,
      "width": "100%",
      "role": "img",
      "aria-label": chartAlt(p),
      "class": "ac-progress-chart",
      "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      "style": "max-width: 720px; height: auto;"
    });
    svg.appendChild(svgEl("title", {}, chartAlt(p)));
    [0, 25, 50, 75, 100].forEach(function (pct) {
      var x = left + (barMax * pct) / 100;
      svg.appendChild(svgEl("line", { x1: x, x2: x, y1: 4, y2: height - 20, stroke: "#d0d0d0" }));
      svg.appendChild(svgEl("text", { x: x, y: height - 6, "text-anchor": "middle", "font-size": "11", fill: "#333" }, pct + "%"));
    });
    p.modules.forEach(function (m, i) {
      var y = 8 + row * i;
      var name = label(m);
      if (name.length > 44) { name = name.slice(0, 43).trim() + "…"; }
      svg.appendChild(svgEl("text", { x: left - 8, y: y + 13, "text-anchor": "end", "font-size": "12", fill: "#1a1a1a" }, name));
      var w = (barMax * Math.min(m.percent_done, 100)) / 100;
      svg.appendChild(svgEl("rect", { x: left, y: y + 2, width: Math.max(w, 0), height: 16, fill: COLOURS[m.status] }));
      svg.appendChild(svgEl("text", { x: left + w + 6, y: y + 14, "font-size": "11.5", fill: "#1a1a1a" }, statusWords(m)));
    });
    return svg;
  }

  function table(p) {
    var t = el("table", { "class": "ac-progress-table" });
    t.appendChild(el("caption", {}, "Your progress, module by module"));
    var head = el("tr");
    ["Module", "Status", "Cases", "Checks", "Reflection", "Post-test", "Estimated time"].forEach(function (h) {
      head.appendChild(el("th", { scope: "col" }, h));
    });
    var thead = el("thead");
    thead.appendChild(head);
    t.appendChild(thead);
    var body = el("tbody");
    p.modules.forEach(function (m) {
      var tr = el("tr");
      tr.appendChild(el("th", { scope: "row" }, label(m)));
      tr.appendChild(el("td", {}, statusWords(m)));
      tr.appendChild(el("td", {}, casesCell(m)));
      tr.appendChild(el("td", {}, checksCell(m)));
      tr.appendChild(el("td", {}, reflectionCell(m)));
      tr.appendChild(el("td", {}, posttestCell(m)));
      tr.appendChild(el("td", {}, m.minutes + " minutes"));
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  function render(container, p) {
    container.textContent = "";
    p.problems.forEach(function (text) {
      var note = el("div", { "class": "ac-warning", role: "alert" });
      note.appendChild(el("p", {}, text));
      container.appendChild(note);
    });
    if (p.complete === 0 && p.activities_done === 0 && p.started === 0) {
      var empty = el("p", { "class": "ac-progress-empty" });
      empty.appendChild(el("strong", {}, "You have not started any module in this browser yet."));
      empty.appendChild(document.createTextNode(
        " That is fine: this page fills in as you go. When you work through a case or a check on a module's page, " +
        "this browser keeps your answers, and they show up here."));
      container.appendChild(empty);
      container.appendChild(el("p", {}, summarySentence(p)));
      container.appendChild(table(p));
      return;
    }
    var lead = el("p");
    lead.appendChild(el("strong", {}, summarySentence(p)));
    container.appendChild(lead);
    container.appendChild(chart(p));
    container.appendChild(table(p));
  }

  /* Clear everything (a shared clinic computer) ---------------------------------------------- */

  /* Every key this book keeps answers under: each module's, and copies kept aside as damaged. */
  function answerKeys(storage) {
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      var k = storage.key(i);
      if (k && k.indexOf(PREFIX) === 0) { keys.push(k); }
    }
    return keys.sort();
  }

  /* The modules whose answers these keys hold, as "Module 1, Module 2 and Module 5". */
  function modulesOf(keys, summary) {
    var names = summary.modules.filter(function (m) {
      return keys.some(function (k) { return k === PREFIX + m.id || k.indexOf(PREFIX + m.id + ":") === 0; });
    }).map(function (m) { return "Module " + m.number; });
    if (names.length < 2) { return names.join(""); }
    return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  function button(text, onclick, primary) {
    var b = el("button", { type: "button", "class": "ac-btn" + (primary ? " ac-btn-primary" : "") }, text);
    b.addEventListener("click", onclick);
    return b;
  }

  /* One control under the table: clear every module's answers from this browser, after a
   * confirmation that says what will be lost; then say what was cleared (role=status). */
  function clearPanel(container, storage, summary, redraw) {
    var panel = el("section", { "class": "ac-clear-all ac-no-print", "aria-labelledby": "ac-clear-all-title" });
    panel.appendChild(el("h2", { id: "ac-clear-all-title" }, "Clear every answer from this browser"));
    panel.appendChild(el("p", {}, "On a shared computer, such as one at a clinic, clear your answers when you finish, " +
      "so the next person does not see them. This clears every module at once; each module's page also has its own button."));
    var status = el("p", { "class": "ac-status", role: "status", "aria-live": "polite" });
    var confirmBox = el("div", { "class": "ac-confirm ac-off" });
    var question = el("p", { tabindex: "-1" });
    var open = button("Clear all my answers", ask);
    var show = function (node, on) { node.classList.toggle("ac-off", !on); };
    var keep = function () { show(confirmBox, false); show(open, true); open.focus(); };
    confirmBox.appendChild(question);
    confirmBox.appendChild(button("Yes, clear everything", clearAll, true));
    confirmBox.appendChild(button("Keep my answers", keep));
    confirmBox.addEventListener("keydown", function (event) { if (event.key === "Escape") { keep(); } });
    panel.appendChild(open);
    panel.appendChild(confirmBox);
    panel.appendChild(status);
    container.after(panel);

    function ask() {
      var keys = answerKeys(storage);
      if (!keys.length) { status.textContent = "This browser keeps no answers from this course, so there is nothing to clear."; return; }
      status.textContent = "";
      question.textContent = "Clear every answer you gave in this browser, for " + modulesOf(keys, summary) +
        "? Your case choices and endings, check answers, reflections and self-scores will be gone from this browser, " +
        "and this cannot be undone. Answers in JupyterLab files are not touched.";
      show(open, false);
      show(confirmBox, true);
      question.focus();
    }

    function clearAll() {
      var keys = answerKeys(storage);
      var which = modulesOf(keys, summary);
      keys.forEach(function (k) { storage.removeItem(k); });
      redraw();
      keep();
      status.textContent = keys.length
        ? "Cleared from this browser: every answer for " + which + " (" + keys.length + " saved entr" + (keys.length === 1 ? "y" : "ies") + "). This page now starts again from nothing."
        : "This browser keeps no answers from this course, so there was nothing to clear.";
    }
  }

  function init() {
    var container = document.getElementById("ac-my-progress");
    var data = document.getElementById("ac-course-summary");
    if (!container || !data) { return; }
    var summary;
    try { summary = JSON.parse(data.textContent); } catch (e) { return; }
    var storage = null;
    try { storage = window.localStorage; } catch (e) { storage = null; }
    if (!storage) {
      container.textContent = "This browser does not let the page read what it keeps (local storage is off), " +
        "so your progress cannot be shown here. The My progress notebook shows it in JupyterLab.";
      return;
    }
    function draw() {
      var read = readStores(storage, summary);
      render(container, courseProgress(summary, read.stores, read.problems));
    }
    draw();
    clearPanel(container, storage, summary, draw);
    window.addEventListener("storage", function (event) {
      if (event.key === null || String(event.key).indexOf(PREFIX) === 0) { draw(); }
    });
  }

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
  }

  return {
    PREFIX: PREFIX,
    wordCount: wordCount,
    moduleProgress: moduleProgress,
    courseProgress: courseProgress,
    readStores: readStores,
    hoursText: hoursText,
    statusWords: statusWords,
    summarySentence: summarySentence,
    chartAlt: chartAlt,
    init: init
  };
})();

export default api;
export const { wordCount, moduleProgress, courseProgress, readStores, hoursText, statusWords, summarySentence, chartAlt, init } = api;
