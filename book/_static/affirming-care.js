/*
 * The book's host for the course's one case engine (engine.js, the same module the notebooks
 * run as a widget). Without script, every case shows all its scenes, responses and feedback in
 * <details> elements, and every check its explanations. With it, each case, check and reflection
 * is drawn by the engine from its JSON data, and answers are kept in this browser's localStorage
 * only ("affirming-care:answers:<module>", the notebooks' answer-file shape). Nothing is sent
 * anywhere. This file adds what only a page has: one note about damaged answers, a button that
 * clears them, a printout with every response, and the learner's own answers for that printout.
 */
import { mountPage } from "./engine.js";

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") { node.textContent = value; } else { node.setAttribute(key, value); }
  }
  for (const child of children || []) { node.appendChild(child); }
  return node;
}

function button(label, onclick, primary) {
  const b = el("button", { type: "button", class: "ac-btn" + (primary ? " ac-btn-primary" : ""), text: label });
  b.addEventListener("click", onclick);
  return b;
}

function show(node, visible) { node.classList.toggle("ac-off", !visible); }

/* The answers panel under the page title: the damage note (once) and "Clear my answers". */
function answersPanel(page, main) {
  const template = document.getElementById("ac-answers-template");
  const panel = template && template.content ? template.content.firstElementChild.cloneNode(true) : null;
  if (!panel) { return; }
  const store = page.store;
  const status = el("p", { class: "ac-status", role: "status", "aria-live": "polite" });
  const warning = el("div", { class: "ac-warning", role: "alert" });
  const label = /^m\d\d$/.test(store.module) ? "Module " + Number(store.module.slice(1)) : "the course evaluation";
  const confirmBox = el("div", { class: "ac-confirm" });
  const clear = button("Clear my answers for this module", () => {
    show(confirmBox, true);
    show(clear, false);
    confirmBox.querySelector("p").focus();
  });
  const keep = () => { show(confirmBox, false); show(clear, true); clear.focus(); };
  confirmBox.appendChild(el("p", { tabindex: "-1", text: "Clear every answer for " + label + " from this browser? This cannot be undone." }));
  confirmBox.appendChild(el("div", { class: "ac-bar" }, [
    button("Yes, clear my answers", () => {
      store.clear();
      page.remount();
      keep();
      status.textContent = "Your answers for " + label + " were cleared from this browser.";
    }, true),
    button("Keep my answers", keep)
  ]));
  confirmBox.addEventListener("keydown", (event) => { if (event.key === "Escape") { keep(); } });
  show(confirmBox, false);
  warning.textContent = store.warning || "";
  show(warning, Boolean(store.warning));
  const bar = el("div", { class: "ac-bar" }, [clear]);
  if (store.module === "evaluation") { bar.prepend(downloadButton(store, status)); }
  panel.append(warning, bar, confirmBox, status);
  const title = main.querySelector("h1");
  if (title) { title.after(panel); } else { main.prepend(panel); }
}

/* The evaluation page: its answers as evaluation-answers.json (the answer-file shape), to hand in. */
function downloadButton(store, status) {
  return button("Download my evaluation", () => {
    const blob = new Blob([JSON.stringify(store.read(), null, 1) + "\n"], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "evaluation-answers.json" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    status.textContent = "Saved as evaluation-answers.json in your downloads. Hand it in the way your course leader asks.";
  }, true);
}

/* The learner's own answers, for print only: their case paths and endings, check answers,
 * reflection and self-scores, as text (never as HTML: learner text is data). The theme prints an
 * element of class "ac-print-mine" in both print versions; on screen it is hidden. */
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function plain(html) {
  return new DOMParser().parseFromString(html || "", "text/html").body.textContent.trim();
}

function caseLines(data, record) {
  const lines = [];
  for (const event of record.events || []) {
    const scene = data.scenes.find((s) => s.id === event.scene);
    const i = scene ? scene.choices.findIndex((c) => c.id === event.choice) : -1;
    if (i < 0) { continue; }
    const choice = scene.choices[i];
    lines.push("At \u201c" + scene.prompt + "\u201d you chose " + LETTERS[i] + ": " + choice.text_plain + " (" + choice.fit_label + ")");
  }
  const ending = data.endings.find((e) => e.id === record.ending);
  if (ending) { lines.push("Ending reached: " + ending.title); }
  else if (record.status === "skipped") { lines.push("You skipped this case."); }
  return lines;
}

function mineItem(data, record) {
  const item = el("section", { class: "ac-mine-item" });
  if (data.kind === "case") {
    item.appendChild(el("h3", { text: "Case: " + plain(data.title_html) }));
    const lines = caseLines(data, record);
    if (!lines.length) { return null; }
    item.appendChild(el("ol", {}, lines.map((text) => el("li", { text }))));
  } else if (data.kind === "check") {
    const picked = data.options.map((o, i) => (record.selected || []).includes(o.id) ? LETTERS[i] + ". " + plain(o.text_html) : null).filter(Boolean);
    if (!picked.length) { return null; }
    item.appendChild(el("h3", { text: (data.number ? "Question " + data.number + ": " : "Question: ") + plain(data.prompt_html) }));
    item.appendChild(el("ul", {}, picked.map((text) => el("li", { text: "Your answer: " + text }))));
  } else {
    const scores = record.self_assessment || {};
    if (!record.text && !Object.keys(scores).length) { return null; }
    item.appendChild(el("h3", { text: "Reflection: " + data.title_plain }));
    item.appendChild(el("p", { class: "ac-mine-text", style: "white-space: pre-wrap", text: record.text || "(not written yet)" }));
    const scored = data.rubric.criteria.filter((c) => scores[c.id] !== undefined);
    if (scored.length) {
      item.appendChild(el("ul", {}, scored.map((c) => el("li", { text: "Your score for " + c.title + ": " + scores[c.id] }))));
    }
  }
  return item;
}

function printMine(page, main) {
  const box = el("section", { class: "ac-print-mine" });
  const label = "Module " + Number(page.store.module.slice(1));
  const draw = () => {
    const answers = page.store.read();
    const part = { case: "vignettes", check: "checks", reflection: "reflections" };
    const items = page.views.map(({ data }) => {
      // The course evaluation is anonymous by design and not part of "my answers".
      const section = part[data.kind] && answers[part[data.kind]];
      const record = section ? section[data.id] : null;
      return record ? mineItem(data, record) : null;
    }).filter(Boolean);
    box.replaceChildren(el("h2", { text: "My answers: " + label }), ...(items.length ? items
      : [el("p", { text: "No answers saved in this browser for " + label + " yet." })]));
  };
  page.store.onchange = draw;
  draw();
  main.appendChild(box);
}

/* Printing shows every scene and every response with its feedback: open every <details>. */
function preparePrinting() {
  let opened = [];
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("main details:not([open])").forEach((d) => { d.setAttribute("open", ""); opened.push(d); });
  });
  window.addEventListener("afterprint", () => {
    opened.forEach((d) => d.removeAttribute("open"));
    opened = [];
  });
}

function init() {
  const main = document.querySelector("main") || document.body;
  let page = mountPage(document, window);
  if (page) {
    page.remount = () => {
      for (const item of page.views) { item.root.remove(); }
      const again = mountPage(document, window, page.store);
      page.views = again.views;
    };
    answersPanel(page, main);
    printMine(page, main);
  }
  preparePrinting();
  document.documentElement.classList.add("ac-js");
}

if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
