/*
 * The course's one case engine: a branching case, a knowledge check, a reflection and the course
 * evaluation, written once.
 *
 * It runs in two hosts:
 *  - JupyterLab, as an anywidget (affirming_care/widgets.py): the view sends each answer to the
 *    kernel, which keeps it in the answer file beside the notebook (affirming_care/store.py);
 *  - the published book, with no kernel (book/_static/affirming-care.js): answers are kept in this
 *    browser's localStorage, under "affirming-care:answers:<module>", in the same JSON shape.
 *
 * Its data is structured JSON built from the course's content objects (affirming_care/render.py,
 * item_data); it never reads prose back out of a page. The rules (what "choose", "back" or
 * "restart" do to the record) are pure functions here, so both hosts store the same records;
 * tests/test_engine_conformance.py walks the same paths through both and compares them.
 *
 * Nothing here is sent anywhere but to the host it runs in.
 */

export const FORMAT = "affirming-care/answers";
export const PREFIX = "affirming-care:answers:";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* The same timestamp shape as store.py: 2026-11-26T20:48:00+00:00 */
export function now() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sameSet(a, b) {
  const x = Array.from(new Set(a || [])).sort();
  const y = Array.from(new Set(b || [])).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/* ------------------------------------------------------------------------------------------
 * The answer-file reader (the one in JavaScript; store.read_answer_file is the one in Python).
 * ---------------------------------------------------------------------------------------- */

export function emptyAnswers(moduleId) {
  return { format: FORMAT, version: 1, module: moduleId, vignettes: {}, checks: {}, reflections: {} };
}

/* Read one module's answers from their JSON text. Returns {data, problem}: data is null when
 * there is nothing (raw is null) or when the text cannot be used, and problem then says why, in
 * plain words. The module check lives here: answers of another module are refused. */
export function readAnswers(raw, moduleId) {
  if (raw === null || raw === undefined) { return { data: null, problem: null }; }
  let data;
  try { data = JSON.parse(raw); } catch (err) { return { data: null, problem: "the saved text is damaged (it is not complete JSON)" }; }
  let problem = null;
  if (!isObject(data) || data.format !== FORMAT) { problem = "it is not a file of course answers"; }
  else if (data.version !== 1) { problem = "it was written by another version of the course (version " + data.version + ")"; }
  else if (moduleId && data.module !== moduleId) { problem = "it holds the answers of module " + data.module + ", not " + moduleId; }
  else {
    for (const part of ["vignettes", "checks", "reflections"]) {
      if (data[part] === undefined) { data[part] = {}; }
      if (!isObject(data[part])) { problem = "its " + part + " are not readable"; }
    }
    /* The evaluation is optional (added within version 1): absent, null or one record. */
    if (data.evaluation !== undefined && data.evaluation !== null && !isObject(data.evaluation)) { problem = "its evaluation is not readable"; }
  }
  return problem ? { data: null, problem } : { data, problem: null };
}

/* The first-attempt rule: a check's first answer is kept for good; cohort statistics read it. */
export function firstAttempt(record) {
  if (!isObject(record)) { return null; }
  if (Array.isArray(record.attempts) && record.attempts.length) { return record.attempts[0].selected; }
  return Array.isArray(record.selected) && record.selected.length ? record.selected : null;
}

/* ------------------------------------------------------------------------------------------
 * The rules: pure functions from (record, action) to the next record.
 * ---------------------------------------------------------------------------------------- */

export function blankCase() {
  return { status: "not-started", path: [], events: [], ending: null, chosen: null, updated: now() };
}

function sceneOf(data, id) { return data.scenes.find((s) => s.id === id) || null; }
function endingOf(data, id) { return data.endings.find((e) => e.id === id) || null; }

/* The scene or ending the learner is at; null before the case starts or after a skip. */
export function currentStep(record) {
  if (record.status === "not-started" || record.status === "skipped" || !record.path.length) { return null; }
  return record.path[record.path.length - 1];
}

/* Earlier choices that matter: a choice may ``set`` flags; a scene's ``variants``, a choice's
 * ``when``/``unless`` and a ``next_if`` read them. The flags are never stored: they are those set
 * by the responses taken along the current path (for each step left, the latest response at that
 * step), so Back and Restart undo them and a resumed case recomputes them. */
export function caseFlags(record, data) {
  const flags = new Set();
  const path = record.path || [];
  for (let i = 0; i < path.length - 1; i += 1) {
    const scene = sceneOf(data, path[i]);
    if (!scene || !scene.choices.length) { continue; }
    const taken = (record.events || []).filter((e) => e.scene === scene.id).pop();
    const choice = taken && scene.choices.find((c) => c.id === taken.choice);
    for (const f of (choice && choice.set) || []) { flags.add(f); }
  }
  return Array.from(flags).sort();
}

function holds(cond, flags) {
  if (cond.when) { return flags.includes(cond.when); }
  if (cond.unless) { return !flags.includes(cond.unless); }
  return true;
}

function nextWith(item, flags) {
  const rule = (item.next_if || []).find((r) => holds(r, flags));
  return rule ? rule.next : item.next;
}

/* What the learner sees at the current step with the path's flags: the scene's text (its first
 * variant that holds, or its own) and the responses offered. */
export function caseShown(record, data) {
  const flags = caseFlags(record, data);
  const scene = sceneOf(data, currentStep(record));
  if (!scene) { return { flags, scene: null, text_html: null, choices: [] }; }
  const variant = (scene.variants || []).find((x) => holds(x, flags));
  const choices = scene.choices.filter((c) => holds(c, flags));
  return { flags, scene: scene.id, text_html: variant ? variant.text_html : scene.text_html, choices: choices.map((c) => c.id), offered: choices };
}

/* A stored record that no longer fits the case (the case was rewritten) starts afresh. */
export function fitCase(stored, data) {
  if (!isObject(stored) || !Array.isArray(stored.path)) { return blankCase(); }
  const record = Object.assign(blankCase(), stored);
  record.events = Array.isArray(record.events) ? record.events : [];
  const cur = currentStep(record);
  if (cur !== null && !sceneOf(data, cur) && !endingOf(data, cur)) {
    return Object.assign(blankCase(), { status: record.status === "finished" ? "finished" : "not-started", ending: record.ending, events: record.events });
  }
  if (!caseShown(record, data).choices.includes(record.chosen)) { record.chosen = null; }
  return record;
}

const CASE_ACTIONS = {
  begin(r, data) {
    r.status = r.status === "finished" ? "finished" : "in-progress";
    r.path = [data.start];
    r.chosen = null;
  },
  restart(r, data) { CASE_ACTIONS.begin(r, data); },
  skip(r) {
    if (r.status !== "finished") { r.status = "skipped"; }
    r.chosen = null;
  },
  choose(r, data, choiceId, at) {
    const scene = sceneOf(data, currentStep(r));
    if (!scene || !scene.choices.length) { throw new Error("not at a decision point"); }
    if (!caseShown(r, data).choices.includes(choiceId)) { throw new Error("no response " + choiceId + " here"); }
    r.chosen = choiceId;
    r.events = r.events.concat([{ scene: scene.id, choice: choiceId, at }]);
  },
  tryAgain(r) { r.chosen = null; },
  goOn(r, data) {
    const scene = sceneOf(data, currentStep(r));
    if (!scene) { throw new Error("the case has ended; use restart or back"); }
    const flags = caseFlags(r, data);
    let target = nextWith(scene, flags);
    if (scene.choices.length) {
      const choice = scene.choices.find((c) => c.id === r.chosen);
      if (!choice) { throw new Error("choose a response first"); }
      target = nextWith(choice, flags.concat(choice.set || []));
    }
    r.chosen = null;
    r.path = r.path.concat([target]);
    if (endingOf(data, target)) {
      /* Reaching an ending once finishes the case for good: back and restart keep it finished. */
      r.status = "finished";
      r.ending = target;
    }
  },
  back(r) {
    r.chosen = null;
    if (r.path.length > 1) { r.path = r.path.slice(0, -1); }
  }
};

/* The next record after ``action`` (begin, skip, choose, tryAgain, goOn, back, restart). */
export function caseAct(record, data, action, arg, at) {
  const rule = CASE_ACTIONS[action];
  if (!rule) { throw new Error("unknown action " + action); }
  const next = JSON.parse(JSON.stringify(record));
  const stamp = at || now();
  rule(next, data, arg, stamp);
  next.updated = stamp;
  return next;
}

/* A check answered: the latest answer counts; every attempt is kept, the first never rewritten. */
export function checkAct(record, selected, at) {
  const stamp = at || now();
  const sorted = selected.slice().sort();
  const attempts = isObject(record) && Array.isArray(record.attempts) ? record.attempts : [];
  return { selected: sorted, attempts: attempts.concat([{ selected: sorted, at: stamp }]), updated: stamp };
}

export function reflectionAct(record, change, at) {
  const base = isObject(record) ? record : {};
  const next = { text: typeof base.text === "string" ? base.text : "", self_assessment: isObject(base.self_assessment) ? base.self_assessment : {} };
  if (change.text !== undefined) { next.text = change.text; }
  if (change.self_assessment !== undefined) { next.self_assessment = change.self_assessment; }
  next.updated = at || now();
  return next;
}

/* The course evaluation: the latest point per statement counts; comments are the latest text. */
export function evaluationAct(record, change, at) {
  const base = isObject(record) ? record : {};
  const next = { ratings: isObject(base.ratings) ? Object.assign({}, base.ratings) : {}, comments: typeof base.comments === "string" ? base.comments : "" };
  if (change.ratings !== undefined) { next.ratings = Object.assign({}, change.ratings); }
  if (change.comments !== undefined) { next.comments = change.comments; }
  next.updated = at || now();
  return next;
}

export function wordCount(text) {
  return String(text || "").split(/\s+/).filter((w) => w.length > 0).length;
}

/* ------------------------------------------------------------------------------------------
 * Drawing: small DOM helpers and the look (one stylesheet, for both hosts).
 * ---------------------------------------------------------------------------------------- */

const STYLE = `
.ac-live { font-size: 1rem; line-height: 1.5; max-width: 48rem; overflow-wrap: anywhere; box-sizing: border-box; }
.ac-live *, .ac-live *::before, .ac-live *::after { box-sizing: border-box; }
.ac-live button, .ac-live select, .ac-live textarea { font: inherit; }
.ac-live .ac-btn { display: inline-block; max-width: 100%; white-space: normal; text-align: left; height: auto;
  min-height: 2.75rem; padding: .5rem .9rem; margin: .25rem .5rem .25rem 0; border: 2px solid #1a4f8b;
  border-radius: 4px; background: #fff; color: #13365e; cursor: pointer; overflow: visible; text-overflow: clip; }
.ac-live .ac-btn-primary { background: #1a4f8b; color: #fff; }
.ac-live .ac-response { display: block; width: 100%; }
.ac-live :focus-visible, .ac-live .ac-btn:focus { outline: 3px solid #111; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }
.ac-live .ac-responses { list-style: none; padding: 0; margin: .5rem 0; }
.ac-live .ac-note { border: 2px solid #8a5a00; border-left-width: 8px; background: #fff8e6; color: #1a1a1a; padding: .75rem 1rem; margin: .75rem 0; }
.ac-live .ac-notice { border-left: 6px solid #1a4f8b; background: #eef4fb; color: #1a1a1a; padding: .5rem 1rem; margin: .5rem 0; }
.ac-live .ac-warning { border: 2px solid #a61b1b; border-left-width: 8px; background: #fdeeee; color: #1a1a1a; padding: .75rem 1rem; margin: .75rem 0; }
.ac-live .ac-feedback { border-left: 6px solid #555; padding: .25rem 1rem; margin: .5rem 0; background: #f6f6f6; color: #1a1a1a; }
.ac-live fieldset { border: 1px solid #767676; padding: .5rem .6rem; margin: .5rem 0; min-width: 0; }
.ac-live legend { padding: 0 .25rem; max-width: 100%; white-space: normal; }
.ac-live .ac-option { display: flex; gap: .5rem; align-items: flex-start; margin: .4rem 0; }
.ac-live .ac-option input { flex: 0 0 auto; width: 1.25rem; height: 1.25rem; margin-top: .2rem; }
.ac-live .ac-option label { flex: 1 1 auto; min-width: 0; white-space: normal; }
.ac-live textarea { width: 100%; min-height: 12em; }
.ac-live .ac-table { max-width: 100%; overflow-x: auto; }
.ac-live .ac-rubric { border-collapse: collapse; min-width: 36rem; }
.ac-live .ac-rubric th, .ac-live .ac-rubric td { border: 1px solid #999; padding: .3rem .5rem; vertical-align: top; text-align: left; }
.ac-live .ac-field { display: flex; flex-wrap: wrap; gap: .25rem .75rem; margin: .5rem 0; }
.ac-live .ac-field label { flex: 1 1 12rem; }
.ac-live .ac-field select { flex: 1 1 16rem; min-width: min(10rem, 100%); max-width: 100%; min-height: 2.75rem; }
.ac-live .ac-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.ac-live .ac-kicker { text-transform: none; font-weight: bold; margin: 0; }
.ac-live .ac-bar { display: flex; flex-wrap: wrap; align-items: flex-start; margin: .5rem 0; }
.ac-live [aria-disabled="true"] { opacity: .7; }
`;

function addStyle(doc) {
  if (doc.getElementById("ac-engine-style")) { return; }
  const style = doc.createElement("style");
  style.id = "ac-engine-style";
  style.textContent = STYLE;
  doc.head.appendChild(style);
}

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) { continue; }
    if (key === "text") { node.textContent = value; }
    else if (key === "html") { node.innerHTML = value; } /* content rendered by render.py, never learner text */
    else if (key === "className") { node.className = value; }
    else if (key === "onclick") { node.addEventListener("click", value); }
    else { node.setAttribute(key, value === true ? "" : value); }
  }
  for (const child of children || []) {
    if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
  }
  return node;
}

function button(label, onclick, opts) {
  const o = opts || {};
  return el("button", {
    type: "button",
    className: "ac-btn" + (o.primary ? " ac-btn-primary" : "") + (o.extra ? " " + o.extra : ""),
    "aria-label": o.name || null,
    "data-action": o.action || null,
    onclick
  }, [label]);
}

function focusOn(node) {
  if (!node) { return; }
  if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
    node.setAttribute("tabindex", "-1");
  }
  node.focus();
}

/* Keys used inside a case or check (arrows in a radio group, Space, Enter) belong to it, not to
 * the notebook around it: JupyterLab would otherwise move between cells. */
function keepKeys(root) {
  for (const type of ["keydown", "keypress", "keyup"]) {
    root.addEventListener(type, (event) => {
      if (event.key !== "Escape" || type !== "keydown") { event.stopPropagation(); }
    });
  }
}

function possessive(name) { return /s$/i.test(name) ? name + "'" : name + "'s"; }

/* ------------------------------------------------------------------------------------------
 * The views. Each takes (root, data, host); the host has load(), save(record) -> Promise,
 * and may report that it cannot save (the kernel restarted) through its save promise.
 * ---------------------------------------------------------------------------------------- */

class View {
  constructor(root, data, host) {
    this.root = root;
    this.data = data;
    this.host = host;
    this.problem = el("div", { className: "ac-warning", role: "alert", hidden: true });
    this.body = el("div", { className: "ac-body" });
    this.live = el("p", { className: "ac-visually-hidden", role: "status", "aria-live": "polite" });
    root.textContent = "";
    root.classList.add("ac-live");
    addStyle(root.ownerDocument);
    keepKeys(root);
    if (host.warning) {
      root.appendChild(el("div", { className: "ac-warning", role: "alert", "data-ac-damaged": "", html: host.warning }));
    }
    root.appendChild(this.problem);
    root.appendChild(this.body);
    root.appendChild(this.live);
  }

  say(message) {
    /* One thing said at a time: a newer message cancels one not yet said, so it is never said twice. */
    clearTimeout(this.saying);
    this.live.textContent = "";
    this.saying = setTimeout(() => { this.live.textContent = message; }, 50);
  }

  /* Keep the record with the host; if the host cannot (no kernel), say so plainly. The promise
   * returned resolves to true once the host has kept it, false if it could not. */
  keep(record) {
    return Promise.resolve(this.host.save(record)).then(
      () => { this.problem.hidden = true; this.problem.textContent = ""; return true; },
      (err) => {
        this.problem.textContent = String(err && err.message ? err.message : err);
        this.problem.hidden = false;
        return false;
      }
    );
  }
}

class CaseView extends View {
  constructor(root, data, host) {
    super(root, data, host);
    this.name = data.client_name;
    this.record = fitCase(host.load(), data);
    this.ui = { confirm: false, noteAgain: false };
    this.draw(null);
  }

  act(action, arg, focus) {
    try {
      this.record = caseAct(this.record, this.data, action, arg);
    } catch (err) {
      this.problem.textContent = String(err.message);
      this.problem.hidden = false;
      return;
    }
    this.ui = { confirm: false, noteAgain: false };
    this.keep(this.record);
    this.draw(focus);
  }

  draw(focus) {
    const head = el("div", { className: "ac-case-head" }, [
      el("p", { className: "ac-kicker", text: "Case" }),
      el("h3", { html: this.data.title_html }),
      el("p", { className: "ac-client", html: this.data.client_html }),
      el("div", { html: this.data.summary_html })
    ]);
    this.body.textContent = "";
    this.body.appendChild(head);
    const part = this.part();
    this.body.appendChild(part.node);
    const target = focus === null ? null : (part.focus || null);
    if (target) { focusOn(target); }
    if (part.say && focus !== null) { this.say(part.say); }
  }

  part() {
    const cur = currentStep(this.record);
    if (this.ui.confirm) { return this.confirmPart(); }
    if (this.record.status === "skipped" && !this.ui.noteAgain) { return this.skippedPart(); }
    if (cur === null) { return this.notePart(); }
    const ending = endingOf(this.data, cur);
    if (ending) { return this.endingPart(ending); }
    return this.scenePart(sceneOf(this.data, cur));
  }

  notePart() {
    const box = el("div");
    const note = this.data.note;
    const start = button("Start the case", () => this.act("begin", null, true), { primary: true, name: "Start the case about " + this.name, action: "begin" });
    if (note) {
      box.appendChild(el("div", { className: "ac-note", role: "note", "aria-label": "Content note" }, [
        el("p", {}, [el("strong", { text: "Content note: " + note.topics + "." })]),
        el("div", { html: note.html })
      ]));
    }
    const bar = el("div", { className: "ac-bar" }, [start]);
    if (note) {
      bar.appendChild(button("Skip this case", () => this.act("skip", null, true), { name: "Skip this case about " + this.name, action: "skip" }));
    }
    box.appendChild(bar);
    return { node: box, focus: start, say: note ? "Content note." : "" };
  }

  skippedPart() {
    const again = button("Start the case", () => { this.ui.noteAgain = true; this.draw(true); }, { primary: true, name: "Start the case about " + this.name, action: "begin" });
    const node = el("div", {}, [
      el("p", { text: "You skipped this case. You can start it whenever you are ready." }),
      el("div", { className: "ac-bar" }, [again])
    ]);
    return { node, focus: again, say: "Case skipped." };
  }

  nav(bar) {
    if (this.record.path.length > 1) {
      bar.appendChild(button("Back", () => this.act("back", null, true), { name: "Back one step in " + possessive(this.name) + " case", action: "back" }));
    }
    bar.appendChild(button("Restart", () => { this.ui.confirm = true; this.draw(true); }, { name: "Restart " + possessive(this.name) + " case", action: "restart" }));
    return bar;
  }

  confirmPart() {
    const yes = button("Yes, start again", () => this.act("restart", null, true), { primary: true, name: "Yes, start " + possessive(this.name) + " case again", action: "confirm-restart" });
    const no = button("Keep going", () => { this.ui.confirm = false; this.draw(true); }, { action: "cancel-restart" });
    const node = el("div", { className: "ac-confirm" }, [
      el("p", { text: "Start this case again from the beginning? Your earlier choices stay saved" + (this.record.status === "finished" ? ", and the case stays finished." : ".") }),
      el("div", { className: "ac-bar" }, [yes, no])
    ]);
    return { node, focus: yes, say: "" };
  }

  endingPart(ending) {
    const heading = el("h4", { tabindex: "-1", className: "ac-ending-title", text: "Ending: " + ending.title });
    const node = el("div", { className: "ac-ending", "data-ending": ending.id }, [
      heading,
      el("div", { html: ending.text_html }),
      el("p", { text: "You finished this case. You can go back and choose differently, or start again: it stays finished." }),
      this.nav(el("div", { className: "ac-bar" }))
    ]);
    return { node, focus: heading, say: "" };
  }

  scenePart(scene) {
    const shown = caseShown(this.record, this.data);
    const node = el("div", { className: "ac-scene", "data-scene": scene.id, "data-flags": shown.flags.join(" ") }, [
      el("h4", { className: "ac-step", text: "Part " + this.record.path.length }),
      el("div", { html: shown.text_html })
    ]);
    scene = Object.assign({}, scene, { choices: shown.offered });
    if (!scene.choices.length) {
      const go = button("Continue", () => this.act("goOn", null, true), { primary: true, name: "Continue " + possessive(this.name) + " case", action: "goOn" });
      node.appendChild(this.nav(el("div", { className: "ac-bar" }, [go])));
      return { node, focus: go, say: "Part " + this.record.path.length + " of the case." };
    }
    if (this.record.chosen === null) { return this.responsesPart(node, scene); }
    return this.feedbackPart(node, scene);
  }

  responsesPart(node, scene) {
    const promptId = this.data.id + "--prompt-" + scene.id;
    node.appendChild(el("p", { id: promptId }, [el("strong", { text: scene.prompt })]));
    const tried = new Set(this.record.events.filter((e) => e.scene === scene.id).map((e) => e.choice));
    const list = el("ul", { className: "ac-responses", "aria-labelledby": promptId });
    let first = null;
    scene.choices.forEach((c, i) => {
      const b = button(LETTERS[i] + ". " + c.text_plain, () => this.act("choose", c.id, true), { extra: "ac-response", action: "choose" });
      b.setAttribute("data-choice", c.id);
      if (tried.has(c.id)) { b.appendChild(el("span", { text: " (you have read this feedback)" })); }
      list.appendChild(el("li", {}, [b]));
      first = first || b;
    });
    node.appendChild(list);
    node.appendChild(this.nav(el("div", { className: "ac-bar" })));
    return { node, focus: first, say: "Part " + this.record.path.length + " of the case. Choose a response." };
  }

  feedbackPart(node, scene) {
    const i = scene.choices.findIndex((c) => c.id === this.record.chosen);
    const choice = scene.choices[i];
    const fbId = this.data.id + "--feedback";
    node.appendChild(el("div", { className: "ac-chosen", id: fbId }, [
      el("p", {}, [el("strong", { text: "You chose " + LETTERS[i] + ": " }), choice.text_plain]),
      el("div", { className: "ac-feedback", "data-fit": choice.fit, "data-guide-points": choice.points.map((p) => p.id).join(" ") }, [
        el("p", {}, [el("strong", { text: choice.fit_label + "." })]),
        el("div", { html: choice.feedback_html }),
        choice.points.length ? el("p", { className: "ac-guide-points", text: "From the guide: " + choice.points.map((p) => p.summary).join(" ") }) : null,
        el("blockquote", { className: "ac-client-voice" }, [el("p", {}, [el("strong", { text: "How it may land:" })]), el("div", { html: choice.voice_html })])
      ])
    ]));
    const go = button("Continue", () => this.act("goOn", null, true), { primary: true, name: "Continue " + possessive(this.name) + " case after response " + LETTERS[i], action: "goOn" });
    go.setAttribute("aria-describedby", fbId);
    const again = button("Try another response", () => this.act("tryAgain", null, true), { name: "Try another response in " + possessive(this.name) + " case", action: "tryAgain" });
    node.appendChild(this.nav(el("div", { className: "ac-bar" }, [go, again])));
    // Focus moves to Continue, which reads the feedback as its description: announcing it in the
    // live region as well would say it twice (issue 10).
    return { node, focus: go, say: "" };
  }
}

/* A knowledge check. Three modes, one component: practice (explains at once), graded (saves,
 * no key) and post-test (data.mode "posttest", issue 11: a graded item of a module's post-test,
 * "Question N of M", its options in the order drawn for this learner, a content note that can be
 * passed by, and "Answer saved" only once the host has kept the answer; never right or wrong). */
class CheckView extends View {
  constructor(root, data, host) {
    super(root, data, host);
    const stored = host.load();
    this.saved = isObject(stored) && Array.isArray(stored.selected) ? stored.selected.slice() : [];
    this.record = isObject(stored) ? stored : null;
    this.posttest = data.mode === "posttest";
    /* A content note comes first, until the learner shows the item (an answered one is shown). */
    this.ui = { noted: !data.note || this.saved.length > 0, skipped: false };
    this.draw(false);
  }

  title() {
    const d = this.data;
    if (d.number && d.total) { return "Question " + d.number + " of " + d.total; }
    return d.number ? "Question " + d.number : "Check your understanding";
  }

  /* The content note before a post-test item, with a way past it; ``focus``: move focus here. */
  notePart(focus) {
    const d = this.data;
    const show = button("Show the question", () => { this.ui = { noted: true, skipped: false }; this.draw(true); }, { primary: true, name: "Show " + this.title().toLowerCase(), action: "show" });
    const box = el("div", { className: "ac-note-part" });
    if (this.ui.skipped) {
      box.appendChild(el("p", { text: "You passed by " + this.title().toLowerCase() + ". It stays unanswered (and earns no points) unless you come back to it." }));
      box.appendChild(el("div", { className: "ac-bar" }, [show]));
    } else {
      box.appendChild(el("div", { className: "ac-note", role: "note", "aria-label": "Content note" }, [
        el("p", {}, [el("strong", { text: this.title() + ". Content note: " + d.note.topics + "." })]),
        el("div", { html: d.note.html })
      ]));
      const skip = button("Leave it unanswered", () => { this.ui.skipped = true; this.draw(true); }, { name: "Leave " + this.title().toLowerCase() + " unanswered", action: "skip" });
      box.appendChild(el("div", { className: "ac-bar" }, [show, skip]));
    }
    this.body.textContent = "";
    this.body.appendChild(box);
    if (focus) { focusOn(show); }
  }

  draw(focus) {
    const d = this.data;
    if (!this.ui.noted) { this.notePart(focus); return; }
    const type = d.question_kind === "single" ? "radio" : "checkbox";
    const title = this.title();
    const how = typeof d.how === "string" ? d.how : (d.question_kind === "single" ? "Choose one answer." : "Choose every answer that applies.");
    const fieldset = el("fieldset", {}, [
      el("legend", {}, [el("strong", { text: title + ". " }), el("span", { html: d.prompt_html }), how ? " " : null,
        how ? el("em", { text: how }) : null])
    ]);
    this.inputs = d.options.map((o, i) => {
      const id = d.id + "--live-" + o.id;
      const input = el("input", { type, name: d.id + "--live", id, value: o.id });
      input.checked = this.saved.includes(o.id);
      input.addEventListener("change", () => this.changed());
      fieldset.appendChild(el("div", { className: "ac-option" }, [input, el("label", { for: id }, [LETTERS[i] + ". ", el("span", { html: o.text_html })])]));
      return input;
    });
    const verb = d.graded ? "Save my answer" : "Check my answer";
    this.submitButton = button(verb, () => this.submit(), { primary: true, name: verb + " to " + title.toLowerCase(), action: "submit" });
    this.status = el("div", { className: "ac-check-status ac-check-feedback", role: "status", "aria-live": "polite" });
    this.body.textContent = "";
    /* Past the note, it stays in one line above the item. */
    if (d.note) { this.body.appendChild(el("p", { className: "ac-note", role: "note", text: "Content note: " + d.note.topics + "." })); }
    this.body.appendChild(fieldset);
    this.body.appendChild(el("div", { className: "ac-bar" }, [this.submitButton]));
    this.body.appendChild(this.status);
    this.showStatus(this.saved.length > 0);
    if (focus && this.inputs.length) { focusOn(this.inputs.find((i) => i.checked) || this.inputs[0]); }
  }

  selected() { return this.inputs.filter((i) => i.checked).map((i) => i.value).sort(); }

  letters(ids) {
    return this.data.options.map((o, i) => (ids.includes(o.id) ? LETTERS[i] : null)).filter(Boolean).join(", ");
  }

  changed() { this.showStatus(false); }

  submit() {
    const selected = this.selected();
    if (!selected.length) {
      this.status.textContent = "Choose an answer first.";
      return;
    }
    if (this.posttest) { this.savePosttest(selected); return; }
    this.record = checkAct(this.record, selected);
    this.saved = selected;
    this.keep({ selected });
    this.showStatus(true);
  }

  /* A post-test answer is said to be saved only once the host has kept it. */
  savePosttest(selected) {
    this.status.textContent = "Saving…";
    this.keep({ selected }).then((kept) => {
      if (kept) { this.saved = selected; this.record = { selected }; }
      this.showStatus(kept);
      if (!kept) { this.status.textContent = "Not saved: see the message above."; }
    });
  }

  /* What the status line says. ``answered``: the ticks shown are the saved answer. */
  showStatus(answered) {
    const d = this.data;
    const now = this.selected();
    this.status.textContent = "";
    if (d.graded) {
      if (this.saved.length && sameSet(now, this.saved)) {
        const said = this.posttest ? "Answer saved (" + this.letters(this.saved) + ")." : "Saved: " + this.letters(this.saved) + ".";
        this.status.appendChild(el("p", { text: said + " You can change it until you hand in the assignment." }));
      } else if (this.saved.length) {
        this.status.appendChild(el("p", { text: "Not saved yet: your saved answer is still " + this.letters(this.saved) + ". Press Save my answer to keep " + (now.length ? this.letters(now) : "a new answer") + "." }));
      }
      return;
    }
    if (answered && sameSet(now, this.saved) && now.length) { this.explain(now); }
  }

  explain(selected) {
    const d = this.data;
    const answer = d.options.filter((o) => o.correct).map((o) => o.id);
    const right = sameSet(selected, answer);
    this.status.appendChild(el("p", {}, [el("strong", { text: right ? "Correct." : "Not quite." })]));
    if (d.question_kind === "multiple" && !right) {
      this.status.appendChild(el("p", { text: "Some right answers are missing or some wrong ones are chosen; the list shows both." }));
    }
    const list = el("ul", { className: "ac-explanations" });
    d.options.forEach((o, i) => {
      if (!(selected.includes(o.id) || (d.question_kind === "multiple" && o.correct))) { return; }
      const picked = selected.includes(o.id) ? "You chose this. " : "You did not choose this. ";
      list.appendChild(el("li", { "data-option": o.id }, [
        el("p", {}, [el("strong", { text: LETTERS[i] + ". " }), el("span", { html: o.text_html })]),
        el("p", {}, [el("em", { text: picked + (o.correct ? "It is a right answer." : "It is not a right answer.") }), " ", el("span", { html: o.feedback_html })])
      ]));
    });
    this.status.appendChild(list);
    if (d.points && d.points.length) {
      this.status.appendChild(el("p", { className: "ac-guide-points", "data-guide-points": d.points.map((p) => p.id).join(" "), text: "From the guide: " + d.points.map((p) => p.summary).join(" ") }));
    }
  }
}

class ReflectionView extends View {
  constructor(root, data, host) {
    super(root, data, host);
    const stored = host.load();
    this.record = reflectionAct(stored, {});
    this.timer = null;
    this.draw();
  }

  draw() {
    const d = this.data;
    const textId = d.id + "--live-text", countId = d.id + "--live-count", hintId = d.id + "--live-hint";
    this.text = el("textarea", { id: textId, rows: "12", "aria-describedby": hintId + " " + countId });
    this.text.value = this.record.text;
    this.count = el("p", { id: countId, className: "ac-count", "aria-live": "off" });
    this.text.addEventListener("input", () => this.typed());
    const fieldset = el("fieldset", { className: "ac-self-assessment" }, [el("legend", { text: "Score yourself against the rubric (optional)" })]);
    this.selects = {};
    for (const c of d.rubric.criteria) {
      const sid = d.id + "--live-score-" + c.id;
      const select = el("select", { id: sid }, [el("option", { value: "", text: "Not scored" })]);
      for (const lv of c.levels) { select.appendChild(el("option", { value: String(lv.score), text: lv.score + ": " + lv.description })); }
      const score = this.record.self_assessment[c.id];
      select.value = score === undefined ? "" : String(score);
      select.addEventListener("change", () => this.scored());
      this.selects[c.id] = select;
      fieldset.appendChild(el("div", { className: "ac-field" }, [el("label", { for: sid, text: c.title }), select]));
    }
    this.body.textContent = "";
    /* Plain sentences from the host (a reflection brought over from the module notebook). */
    for (const notice of d.notices || []) { this.body.appendChild(el("p", { className: "ac-notice", role: "note", text: notice })); }
    this.body.appendChild(el("p", { className: "ac-kicker", text: "Reflection" }));
    this.body.appendChild(el("h3", { html: d.title_html }));
    this.body.appendChild(el("div", { html: d.prompt_html }));
    this.body.appendChild(el("p", { text: "Aim for " + d.words[0] + " to " + d.words[1] + " words. Write about your practice; you are never asked about your own history." }));
    this.body.appendChild(el("p", {}, [el("strong", { text: "A strong answer:" })]));
    this.body.appendChild(el("ul", {}, d.look_for_html.map((x) => el("li", { html: x }))));
    this.body.appendChild(el("div", { className: "ac-table", role: "region", tabindex: "0", "aria-label": d.rubric.title, html: d.rubric_html }));
    this.body.appendChild(el("label", { for: textId, text: "Your reflection on: " + d.title_plain }));
    this.body.appendChild(el("p", { id: hintId, text: d.where_kept }));
    this.body.appendChild(this.text);
    this.body.appendChild(this.count);
    this.body.appendChild(fieldset);
    this.after = el("div", { className: "ac-after-score ac-table", role: "region", tabindex: "0", "aria-label": "What each score looks like for this prompt", hidden: true });
    this.body.appendChild(this.after);
    this.showCount();
    this.showAnchors(false);
    if (this.host.onAnchors) { this.host.onAnchors(() => this.showAnchors(true)); }
  }

  /* The anchored rubric and exemplars (issue 13), from the host, shown only once the learner has
   * written and scored every criterion: never before. ``say``: announce it when it appears. */
  showAnchors(say) {
    const scores = this.record.self_assessment;
    const complete = wordCount(this.record.text) > 0 && this.data.rubric.criteria.every((c) => scores[c.id] !== undefined);
    const html = complete && this.host.anchors ? this.host.anchors() : "";
    const was = !this.after.hidden;
    this.after.innerHTML = html || ""; /* escaped by anchors.after_self_score_html; no learner text */
    this.after.hidden = !html;
    if (html && !was && say) { this.say("You scored every criterion. What each score looks like for this prompt, with three example answers, is now below your scores."); }
  }

  typed() {
    this.record = reflectionAct(this.record, { text: this.text.value });
    this.keep({ text: this.record.text });
    this.showCount();
    this.showAnchors(true);
    /* Say the count once the writer pauses, not at every key. */
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.say(this.count.textContent); }, 2000);
  }

  scored() {
    const scores = {};
    for (const [cid, select] of Object.entries(this.selects)) {
      if (select.value !== "") { scores[cid] = Number(select.value); }
    }
    this.record = reflectionAct(this.record, { self_assessment: scores });
    this.keep({ self_assessment: scores });
    this.showAnchors(true);
  }

  showCount() {
    const n = wordCount(this.text.value);
    const [lo, hi] = this.data.words;
    this.count.textContent = n ? n + (n === 1 ? " word" : " words") + " (aim for " + lo + " to " + hi + ")." : "";
  }
}

/* The course evaluation: one radio group (fieldset and legend) per statement, every point
 * labelled; arrows move within a group, Tab between groups. Each choice is saved at once. */
class EvaluationView extends View {
  constructor(root, data, host) {
    super(root, data, host);
    this.record = evaluationAct(host.load(), {});
    this.timer = null;
    this.draw();
  }

  draw() {
    const d = this.data;
    this.body.textContent = "";
    this.body.appendChild(el("p", { className: "ac-kicker", text: "Course evaluation" }));
    this.body.appendChild(el("h3", { text: d.title }));
    this.body.appendChild(el("div", { html: d.intro_html }));
    this.radios = {};
    d.items.forEach((item, n) => {
      const name = d.id + "--live-" + item.id;
      const fieldset = el("fieldset", { className: "ac-evaluation-item", "data-item": item.id }, [
        el("legend", {}, [el("strong", { text: (n + 1) + ". " }), el("span", { html: item.statement_html })])
      ]);
      this.radios[item.id] = d.scale.map((point) => {
        const id = name + "-" + point.value;
        const input = el("input", { type: "radio", name, id, value: String(point.value) });
        input.checked = this.record.ratings[item.id] === point.value;
        input.addEventListener("change", () => this.rated(item.id, point));
        fieldset.appendChild(el("div", { className: "ac-option" }, [input, el("label", { for: id, text: point.value + ": " + point.label })]));
        return input;
      });
      this.body.appendChild(fieldset);
    });
    const textId = d.id + "--live-comments", hintId = d.id + "--live-hint";
    this.text = el("textarea", { id: textId, rows: "6", "aria-describedby": hintId });
    this.text.value = this.record.comments;
    this.text.addEventListener("input", () => this.typed());
    this.body.appendChild(el("label", { for: textId, text: d.comments.prompt }));
    this.body.appendChild(el("p", { id: hintId, text: d.comments.hint + " " + d.where_kept }));
    this.body.appendChild(this.text);
  }

  rated(itemId, point) {
    const ratings = Object.assign({}, this.record.ratings);
    ratings[itemId] = point.value;
    this.record = evaluationAct(this.record, { ratings });
    this.keep({ ratings });
    this.say("Saved: " + point.label + ".");
  }

  typed() {
    this.record = evaluationAct(this.record, { comments: this.text.value });
    this.keep({ comments: this.record.comments });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.say("Comments saved."); }, 2000);
  }
}

const VIEWS = { case: CaseView, check: CheckView, reflection: ReflectionView, evaluation: EvaluationView };

/* Draw one item (data.kind: case, check, reflection or evaluation) in ``root`` with ``host``. */
export function mount(root, data, host) {
  const View_ = VIEWS[data.kind];
  if (!View_) { throw new Error("unknown item kind " + data.kind); }
  return new View_(root, data, host);
}

/* ------------------------------------------------------------------------------------------
 * Host 1: the browser's localStorage (the published book). One per module and page.
 * ---------------------------------------------------------------------------------------- */

/* The one event hook: after every save, the page's window hears
 * CustomEvent("affirming-care:saved", {detail: {module, record}}), record being the module's
 * whole answers (the shape above). The LMS adapter (affirming_care/lms/static/lms-adapter.js)
 * listens to it; nothing else needs it. */
export const SAVED_EVENT = "affirming-care:saved";

function announceSaved(moduleId, data) {
  if (typeof window === "undefined" || typeof CustomEvent !== "function") { return; }
  window.dispatchEvent(new CustomEvent(SAVED_EVENT, { detail: { module: moduleId, record: JSON.parse(JSON.stringify(data)) } }));
}

export class BrowserStore {
  constructor(moduleId, storage) {
    this.module = moduleId;
    this.key = PREFIX + moduleId;
    this.storage = storage;
    this.warning = null;
    this.keptAs = null;
    this.memory = emptyAnswers(moduleId);
    this.read();
  }

  /* The latest answers (another tab may have written); a damaged entry is kept aside once. */
  read() {
    if (!this.storage) { return this.memory; }
    const raw = this.storage.getItem(this.key);
    const { data, problem } = readAnswers(raw, this.module);
    if (!problem) { return data || emptyAnswers(this.module); }
    const stamp = now().replace(/[^0-9T]/g, "");
    this.keptAs = this.key + ":damaged-" + stamp;
    this.storage.setItem(this.keptAs, raw);
    this.storage.removeItem(this.key);
    this.warning = "Your saved answers for this module could not be read: " + problem + ". " +
      "Nothing was deleted: this browser keeps them aside, as " + this.keptAs + ". " +
      "Your answers from now on are kept afresh. To get earlier answers back, ask the person who runs your course.";
    return emptyAnswers(this.module);
  }

  write(change) {
    const data = this.read();
    change(data);
    if (!this.storage) { this.memory = data; } else { this.storage.setItem(this.key, JSON.stringify(data)); }
    announceSaved(this.module, data);
    if (this.onchange) { this.onchange(); }
  }

  clear() {
    this.memory = emptyAnswers(this.module);
    if (this.storage) { this.storage.removeItem(this.key); }
    if (this.onchange) { this.onchange(); }
  }

  /* A host for one item: load() its record, save(event) it (the same events a kernel gets). */
  host(data) {
    const store = this;
    if (data.kind === "evaluation") {
      /* One evaluation per answer file, not one per id. */
      return {
        warning: null,
        load() { return store.read().evaluation || null; },
        save(event) { store.write((answers) => { answers.evaluation = applyEvent(data, answers.evaluation, event); }); }
      };
    }
    const part = { case: "vignettes", check: "checks", reflection: "reflections" }[data.kind];
    return {
      warning: null,
      load() { return store.read()[part][data.id] || null; },
      save(event) {
        store.write((answers) => { answers[part][data.id] = applyEvent(data, answers[part][data.id], event); });
      }
    };
  }
}

/* What a host keeps for each event a view sends: a case sends its whole record; a check its
 * selection (the store adds the attempt); a reflection its text or its scores. */
export function applyEvent(data, stored, event) {
  if (data.kind === "case") { return event; }
  if (data.kind === "check") { return checkAct(stored, event.selected); }
  if (data.kind === "evaluation") { return evaluationAct(stored, event); }
  return reflectionAct(stored, event);
}

/* ------------------------------------------------------------------------------------------
 * Host 2: the kernel, through anywidget (widgets.py). Each event is sent and acknowledged;
 * with no kernel behind the view (a reopened notebook, a restarted kernel), it says so.
 * ---------------------------------------------------------------------------------------- */

const NO_KERNEL = "This cell is not connected to Python (the notebook was reopened or the kernel restarted), " +
  "so this answer was not saved. Run this cell (Shift+Enter) to continue where you left off.";

function kernelHost(model) {
  let seq = 0;
  const waiting = new Map();
  const host = {};
  model.on("msg:custom", (msg) => {
    const done = waiting.get(msg && msg.ack);
    if (done) { waiting.delete(msg.ack); done(msg); }
    /* A late reply (the kernel was busy with a long cell): it is there after all. */
    if (msg && msg.ok && host.onalive) { host.onalive(); }
  });
  function send(type, body) {
    seq += 1;
    const id = seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(NO_KERNEL)); }, 4000);
      waiting.set(id, (msg) => { clearTimeout(timer); msg.ok ? resolve(msg) : reject(new Error(msg.error)); });
      try { model.send({ type, id, event: body }); } catch (err) { clearTimeout(timer); waiting.delete(id); reject(new Error(NO_KERNEL)); }
    });
  }
  return Object.assign(host, {
    warning: model.get("warning") || null,
    load() { return model.get("record") || null; },
    save(event) { return send("save", event); },
    anchors() { return model.get("after_html") || ""; },
    onAnchors(callback) { model.on("change:after_html", callback); },
    hello() { return send("hello", null); }
  });
}

function render({ model, el: root }) {
  const host = kernelHost(model);
  const view = mount(root, model.get("data"), host);
  const notice = el("p", { className: "ac-warning", role: "status", hidden: true, text: "Run this cell to continue where you left off." });
  root.insertBefore(notice, root.firstChild);
  host.onalive = () => { notice.hidden = true; view.problem.hidden = true; };
  host.hello().catch(() => { notice.hidden = false; });
  return () => { clearTimeout(view.timer); };
}

export default { render };

/* ------------------------------------------------------------------------------------------
 * The book page: every item's data is in the page as JSON beside its static view.
 * ---------------------------------------------------------------------------------------- */

export function storageOrNull(win) {
  try {
    const s = win.localStorage;
    const probe = PREFIX + "probe";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch (err) {
    return null;
  }
}

/* Turn each static item on the page into a live one, drawn inside it (its static content stays
 * for print and is hidden on screen); returns the store and the views. */
export function mountPage(doc, win, existing) {
  const meta = doc.querySelector('meta[name="affirming-care-module"]');
  const items = Array.from(doc.querySelectorAll("script.ac-data[type='application/json']"));
  if (!items.length) { return null; }
  const first = JSON.parse(items[0].textContent);
  const store = existing || new BrowserStore(meta ? meta.getAttribute("content") : first.module, storageOrNull(win));
  const views = [];
  for (const script of items) {
    const data = JSON.parse(script.textContent);
    const staticView = script.parentElement;
    const root = doc.createElement("div");
    root.className = "ac-live-root";
    staticView.appendChild(root);
    staticView.classList.add("ac-enhanced");
    views.push({ data, root, view: mount(root, data, store.host(data)) });
  }
  return { store, views };
}
