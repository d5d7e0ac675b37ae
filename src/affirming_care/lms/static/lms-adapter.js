/*
 * The course in a learning management system: reports each learner's progress, completion and
 * practice score through the LMS's standard runtime. Added to every page of a package by
 * affirming_care/lms (affirming_care package); the book itself never loads it.
 *
 * Settings: the page's <script id="ac-lms-config" type="application/json">, written by the
 * packager: {standard: "scorm12" | "scorm2004" | "cmi5", activity, mastery, modules: [{id,
 * cases: [id], checks: [{id, answer: [option ids] | null}]}]}. A check's answer is null when it is
 * graded (the page carries no key for it): it counts towards progress, never towards the score.
 *
 * What it reads: the answers the course engine keeps (engine.js, BrowserStore, localStorage
 * "affirming-care:answers:<module>"), on load and after every save, which the engine announces
 * with CustomEvent("affirming-care:saved", {detail: {module, record}}) on the page's window.
 * In a whole-course package the page is a frame page (course.html) and the module pages are in
 * its <iframe id="ac-lms-content">: it listens to each page loaded there.
 *
 * What it reports:
 *  - SCORM 1.2 (window.API, found in a parent or opener window as the standard says):
 *    cmi.core.lesson_status incomplete, then completed (or passed/failed against a mastery score);
 *    cmi.core.score.raw/min/max; progress as JSON in cmi.suspend_data (1.2 has no progress field).
 *  - SCORM 2004 4th edition (window.API_1484_11): cmi.completion_status, cmi.success_status
 *    (unknown without a mastery score), cmi.progress_measure, cmi.score.raw/min/max/scaled.
 *  - cmi5: reads the launch parameters (endpoint, fetch, registration, activityId, actor), fetches
 *    the auth token and LMS.LaunchData, and sends xAPI statements: initialized, completed (once per
 *    registration), passed or failed with the score when a mastery score is set, terminated.
 * Progress is the cases finished and checks answered of the activity's total; the activity is
 * complete when every case is finished and every check answered (at once, if it has none). The
 * score counts practice checks whose first answer was right. It commits after every change and
 * terminates when the page goes away.
 */
import { PREFIX, SAVED_EVENT, readAnswers, firstAttempt } from "./engine.js";

const CONFIG = JSON.parse(document.getElementById("ac-lms-config").textContent);
const VERB = "http://adlnet.gov/expapi/verbs/";
const CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
const MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon";
const STARTED = Date.now();

function sameSet(a, b) {
  const x = Array.from(new Set(a || [])).sort();
  const y = Array.from(new Set(b || [])).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/* ------------------------------------------------------------------------------------------
 * What the learner has done: from the engine's saved answers.
 * ---------------------------------------------------------------------------------------- */

const latest = {};

function storage() {
  try { return window.localStorage; } catch (err) { return null; }
}

function answersOf(moduleId) {
  if (latest[moduleId]) { return latest[moduleId]; }
  const store = storage();
  const { data } = readAnswers(store ? store.getItem(PREFIX + moduleId) : null, moduleId);
  return data || { vignettes: {}, checks: {} };
}

export function summarise(config) {
  const s = { casesDone: 0, cases: 0, checksDone: 0, checks: 0, correct: 0, practice: 0 };
  for (const module of config.modules) {
    const answers = answersOf(module.id);
    for (const id of module.cases) {
      s.cases += 1;
      const record = answers.vignettes[id];
      if (record && record.status === "finished") { s.casesDone += 1; }
    }
    for (const check of module.checks) {
      s.checks += 1;
      const first = firstAttempt(answers.checks[check.id]);
      if (first) { s.checksDone += 1; }
      if (check.answer) {
        s.practice += 1;
        if (first && sameSet(first, check.answer)) { s.correct += 1; }
      }
    }
  }
  const total = s.cases + s.checks;
  s.progress = total ? (s.casesDone + s.checksDone) / total : 1;
  s.complete = s.casesDone === s.cases && s.checksDone === s.checks;
  s.scaled = s.practice ? s.correct / s.practice : null;
  return s;
}

function passed(s, mastery) {
  if (mastery === null || mastery === undefined || !s.complete) { return null; }
  return (s.scaled === null ? 1 : s.scaled) >= mastery;
}

function seconds() { return Math.max(0, (Date.now() - STARTED) / 1000); }

/* ------------------------------------------------------------------------------------------
 * SCORM: find the API in a parent or opener window (SCORM 1.2 RTE 3.3.6.1; 2004 RTE 3.1.5).
 * ---------------------------------------------------------------------------------------- */

function searchUp(win, name) {
  let hops = 0;
  try {
    while (win && !win[name] && win.parent && win.parent !== win && hops < 500) {
      hops += 1;
      win = win.parent;
    }
    return win && win[name] ? win[name] : null;
  } catch (err) {
    return null; /* a window of another origin: the search stops there */
  }
}

export function findApi(name, start) {
  const here = start || window;
  let api = searchUp(here, name);
  if (!api && here.opener) { api = searchUp(here.opener, name); }
  if (!api && here.top && here.top.opener) { api = searchUp(here.top.opener, name); }
  return api;
}

function scorm12Time(secs) {
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  const two = (n) => String(Math.floor(n)).padStart(2, "0");
  return String(h).padStart(4, "0") + ":" + two(m) + ":" + two(s) + "." + String(Math.floor((s % 1) * 100)).padStart(2, "0");
}

function isoDuration(secs) { return "PT" + (Math.round(secs * 100) / 100) + "S"; }

class Scorm12 {
  constructor(api) { this.api = api; this.done = false; this.completed = false; }

  start() {
    this.api.LMSInitialize("");
    const status = this.api.LMSGetValue("cmi.core.lesson_status");
    this.completed = ["completed", "passed", "failed"].includes(status);
    if (!this.completed) { this.api.LMSSetValue("cmi.core.lesson_status", "incomplete"); }
  }

  report(s) {
    if (s.practice) {
      this.api.LMSSetValue("cmi.core.score.min", "0");
      this.api.LMSSetValue("cmi.core.score.max", String(s.practice));
      this.api.LMSSetValue("cmi.core.score.raw", String(s.correct));
    }
    this.api.LMSSetValue("cmi.suspend_data", JSON.stringify({ cases: [s.casesDone, s.cases], checks: [s.checksDone, s.checks] }));
    if (s.complete) {
      const pass = passed(s, CONFIG.mastery);
      this.api.LMSSetValue("cmi.core.lesson_status", pass === null ? "completed" : (pass ? "passed" : "failed"));
      this.completed = true;
    }
    this.api.LMSCommit("");
  }

  finish(s) {
    if (this.done) { return; }
    this.done = true;
    this.api.LMSSetValue("cmi.core.exit", s.complete ? "" : "suspend");
    this.api.LMSSetValue("cmi.core.session_time", scorm12Time(seconds()));
    this.api.LMSCommit("");
    this.api.LMSFinish("");
  }
}

class Scorm2004 {
  constructor(api) { this.api = api; this.done = false; }

  start() {
    this.api.Initialize("");
    const status = this.api.GetValue("cmi.completion_status");
    if (status !== "completed") { this.api.SetValue("cmi.completion_status", "incomplete"); }
  }

  report(s) {
    const set = (k, v) => this.api.SetValue(k, v);
    set("cmi.progress_measure", String(Math.round(s.progress * 10000) / 10000));
    if (s.practice) {
      set("cmi.score.min", "0");
      set("cmi.score.max", String(s.practice));
      set("cmi.score.raw", String(s.correct));
      set("cmi.score.scaled", String(Math.round(s.scaled * 10000) / 10000));
    }
    if (s.complete) { set("cmi.completion_status", "completed"); }
    /* Without a mastery score there is nothing to pass; with one, it is judged once complete. */
    const pass = passed(s, CONFIG.mastery);
    if (pass !== null) { set("cmi.success_status", pass ? "passed" : "failed"); }
    else if (CONFIG.mastery === null || CONFIG.mastery === undefined) { set("cmi.success_status", "unknown"); }
    this.api.Commit("");
  }

  finish(s) {
    if (this.done) { return; }
    this.done = true;
    this.api.SetValue("cmi.exit", s.complete ? "normal" : "suspend");
    this.api.SetValue("cmi.session_time", isoDuration(seconds()));
    this.api.Commit("");
    this.api.Terminate("");
  }
}

/* ------------------------------------------------------------------------------------------
 * cmi5 (cmi5 1.0: section 8 launch, 9 statements), over xAPI 1.0.3.
 * ---------------------------------------------------------------------------------------- */

function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
  const b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

export function launchParameters(search) {
  const q = new URLSearchParams(search);
  const missing = ["endpoint", "fetch", "registration", "activityId", "actor"].filter((k) => !q.get(k));
  if (missing.length) { throw new Error("cmi5 launch without " + missing.join(", ")); }
  const endpoint = q.get("endpoint").replace(/\/?$/, "/");
  return { endpoint, fetch: q.get("fetch"), registration: q.get("registration"), activityId: q.get("activityId"), actor: JSON.parse(q.get("actor")) };
}

class Cmi5 {
  constructor(launch) {
    this.launch = launch;
    this.queue = Promise.resolve();
    this.done = false;
    this.flag = "affirming-care:lms:cmi5-completed:" + launch.registration + ":" + launch.activityId;
    /* cmi5 9.3: completed and passed are sent once per registration, whatever the session. */
    this.completed = Boolean(storage() && storage().getItem(this.flag));
    this.passed = Boolean(storage() && storage().getItem(this.flag + ":passed"));
    this.judged = false;
  }

  headers() {
    return { "Authorization": "Basic " + this.token, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json" };
  }

  async start() {
    const reply = await fetch(this.launch.fetch, { method: "POST" });
    if (!reply.ok) { throw new Error("cmi5: the fetch URL refused the token (" + reply.status + ")"); }
    this.token = (await reply.json())["auth-token"];
    const l = this.launch;
    const url = l.endpoint + "activities/state?" + new URLSearchParams({
      stateId: "LMS.LaunchData", activityId: l.activityId, agent: JSON.stringify(l.actor), registration: l.registration
    });
    const state = await fetch(url, { headers: this.headers() });
    this.data = state.ok ? await state.json() : {};
    this.mastery = typeof this.data.masteryScore === "number" ? this.data.masteryScore : CONFIG.mastery;
    this.normal = !this.data.launchMode || this.data.launchMode === "Normal";
    await this.send("initialized", {});
  }

  statement(verb, result, moveOn) {
    const template = this.data.contextTemplate || {};
    const context = JSON.parse(JSON.stringify(template));
    context.registration = this.launch.registration;
    context.contextActivities = context.contextActivities || {};
    const category = (context.contextActivities.category || []).concat([{ id: CMI5_CATEGORY }]);
    if (moveOn) { category.push({ id: MOVEON_CATEGORY }); }
    context.contextActivities.category = category;
    const statement = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor: this.launch.actor,
      verb: { id: VERB + verb, display: { "en-US": verb } },
      object: { id: this.launch.activityId, objectType: "Activity" },
      context
    };
    if (result) { statement.result = result; }
    return statement;
  }

  /* Statements go one after another, in order; each survives the page closing (keepalive). The
   * last, sent as the page goes, cannot wait for the others: it is posted at once. */
  send(verb, result, moveOn, last) {
    const body = JSON.stringify(this.statement(verb, Object.keys(result).length ? result : null, moveOn));
    const post = () => fetch(this.launch.endpoint + "statements", { method: "POST", headers: this.headers(), body, keepalive: true });
    this.queue = last ? post() : this.queue.then(post, post);
    return this.queue;
  }

  report(s) {
    if (!this.normal) { return; }
    const duration = isoDuration(seconds());
    if (s.complete && !this.completed) {
      this.completed = true;
      if (storage()) { storage().setItem(this.flag, "1"); }
      this.send("completed", { completion: true, duration }, true);
    }
    const pass = passed(s, this.mastery);
    if (pass !== null && !this.judged && !this.passed) {
      this.judged = true;
      if (pass && storage()) { storage().setItem(this.flag + ":passed", "1"); }
      const score = s.practice ? { scaled: Math.round(s.scaled * 10000) / 10000, raw: s.correct, min: 0, max: s.practice } : { scaled: 1 };
      this.send(pass ? "passed" : "failed", { success: pass, score, duration }, true);
    }
  }

  finish() {
    if (this.done) { return; }
    this.done = true;
    this.send("terminated", { duration: isoDuration(seconds()) }, false, true);
  }
}

/* ------------------------------------------------------------------------------------------
 * Wiring: start, report after every save, finish when the page goes.
 * ---------------------------------------------------------------------------------------- */

function reporter() {
  if (CONFIG.standard === "cmi5") { return new Cmi5(launchParameters(window.location.search)); }
  const name = CONFIG.standard === "scorm12" ? "API" : "API_1484_11";
  const api = findApi(name);
  if (!api) { throw new Error("no SCORM runtime (" + name + ") in this window, its parents or its opener"); }
  return CONFIG.standard === "scorm12" ? new Scorm12(api) : new Scorm2004(api);
}

function listen(win, onSaved) {
  win.addEventListener(SAVED_EVENT, (event) => {
    const detail = event.detail || {};
    if (detail.module && detail.record) { latest[detail.module] = detail.record; }
    onSaved();
  });
}

/* Listen to this page, or (a whole-course frame page) to each page loaded in its frame. */
function attach(update) {
  const frame = document.getElementById("ac-lms-content");
  if (!frame) { listen(window, update); return; }
  const hook = () => {
    try {
      const win = frame.contentWindow;
      if (win && !win.acLmsHooked) { win.acLmsHooked = true; listen(win, update); }
    } catch (err) { return; /* a page of another origin: nothing to hear */ }
    update();
  };
  frame.addEventListener("load", hook);
  hook();
}

async function run() {
  const lms = reporter();
  const state = { lms, ready: false, summary: () => summarise(CONFIG) };
  window.affirmingCareLms = state;
  const update = () => { if (state.ready) { lms.report(summarise(CONFIG)); } };
  attach(update);
  await lms.start();
  state.ready = true;
  update();
  state.finish = () => lms.finish(summarise(CONFIG));
  window.addEventListener("pagehide", state.finish);
}

run().catch((err) => {
  window.affirmingCareLms = Object.assign(window.affirmingCareLms || {}, { error: String(err && err.message ? err.message : err) });
  console.error("affirming-care LMS adapter:", err);
});
