/* coexist dashboard: the page's behaviour. Plain JavaScript, no build step; charts by
   plotly.js served by the dashboard itself (works offline). Every request goes to the
   JSON API of coexist.web.app; the server checks everything again. */
"use strict";

const state = {settings: null, scenarios: [], levers: [], original: {}, jobs: [], polling: null, shownJob: null};

// The tabs of the page, in order. A tab is a <section class="tab" id="tab-KEY">; adding one
// is one more entry here and one more section.
const TABS = [["setup", "Set up and run"], ["results", "Results"], ["runs", "Past runs"], ["pathway", "Pathway"]];

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function showAlert(message) {
  const box = $("alert");
  box.textContent = message;
  box.hidden = !message;
  if (message) box.scrollIntoView({block: "nearest"});
}

async function call(url, options) {
  const response = await fetch(url, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = {error: text.slice(0, 300)}; }
  if (!response.ok) {
    const error = new Error((body && body.error) || `${response.status} ${response.statusText}`);
    error.field = body && body.field;
    throw error;
  }
  return body;
}

function showTab(key) {
  for (const [k] of TABS) {
    $("tab-" + k).hidden = k !== key;
    const button = $("tabbutton-" + k);
    button.setAttribute("aria-selected", k === key ? "true" : "false");
  }
  if (key === "runs") loadRuns();
  if (key === "results" || key === "pathway") resizeCharts();
}

function buildTabs() {
  const nav = $("tabs");
  for (const [key, title] of TABS) {
    nav.append(el("button", {id: "tabbutton-" + key, role: "tab", type: "button", onclick: () => showTab(key)}, title));
  }
}

// -- scenarios and uploads ------------------------------------------------------------------
async function loadScenarios(select) {
  state.scenarios = await call("/api/scenarios");
  const chosen = select || $("scenario").value || "japan-circular";
  const box = $("scenario");
  box.replaceChildren(...state.scenarios.map((s) => el("option", {value: s.ref},
    s.uploaded ? `${s.name} (uploaded${s.file ? ": " + s.file : ""})` : s.name)));
  box.value = state.scenarios.some((s) => s.ref === chosen) ? chosen : state.scenarios[0].ref;
  buildCompareChoices();
  if (state.pathwayForm) {  // an upload is a regime the pathway form offers too
    scenarioOptions($("pw-scenario"), $("pw-scenario").value);
    scenarioOptions($("pw-compare"), $("pw-compare").value, "(none)");
  }
  await loadLevers();
}

function buildCompareChoices() {
  const primary = $("scenario").value;
  const ticked = new Set([...document.querySelectorAll("#compare-choices input:checked")].map((i) => i.value));
  if (!ticked.size) ticked.add(primary === "japan-temporary" ? "japan-circular" : "japan-temporary");
  $("compare-choices").replaceChildren(...state.scenarios.filter((s) => s.ref !== primary).map((s) =>
    el("label", {class: "choice"}, el("input", {type: "checkbox", value: s.ref, checked: ticked.has(s.ref)}),
      " " + s.name + (s.uploaded ? " (uploaded)" : ""))));
}

async function upload(event) {
  event.preventDefault();
  const input = $("upload-file");
  const problem = $("upload-error");
  problem.hidden = true;
  if (!input.files.length) {
    problem.textContent = "Choose a scenario file first.";
    problem.hidden = false;
    return;
  }
  const form = new FormData();
  form.append("file", input.files[0]);
  try {
    const added = await call("/api/uploads", {method: "POST", body: form});
    await loadScenarios(added.ref);
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }
}

// -- the lever form -------------------------------------------------------------------------
function rowsOf(lever) {
  if (lever.dated) return Object.entries(lever.value).map(([month, value]) => ({month, value}));
  return [{month: null, value: lever.value}];
}

function valueInput(lever, value) {
  let input;
  if (lever.kind === "bool") {
    input = el("select", {}, el("option", {value: "true"}, "yes"), el("option", {value: "false"}, "no"));
    input.value = value ? "true" : "false";
  } else if (lever.kind === "choice") {
    input = el("select", {}, lever.choices.map((c) => el("option", {value: c}, c.replace(/_/g, " "))));
    input.value = value;
  } else {
    input = el("input", {type: "number", min: lever.min, max: lever.max, step: lever.kind === "int" ? 1 : "any",
      value: value, required: true});
  }
  input.className = "lever-value";
  input.setAttribute("aria-label", lever.label);
  input.addEventListener("input", () => checkLever(lever.path));
  input.addEventListener("change", () => checkLever(lever.path));
  return input;
}

function leverRow(lever, row, index) {
  const month = row.month === null ? el("span", {class: "from"}, "from the start")
    : el("input", {type: "month", class: "lever-month", value: row.month, "aria-label": lever.label + " from",
      oninput: () => checkLever(lever.path)});
  const remove = index > 0 ? el("button", {type: "button", class: "small-button", title: "remove this date",
    onclick: (e) => { e.target.closest(".lever-row").remove(); checkLever(lever.path); }}, "×") : null;
  return el("div", {class: "lever-row"}, month, valueInput(lever, row.value), remove);
}

function renderLever(lever) {
  const rows = el("div", {class: "lever-rows"}, rowsOf(lever).map((row, i) => leverRow(lever, row, i)));
  const add = el("button", {type: "button", class: "small-button", title: "the value changes on a date",
    onclick: () => addDate(lever, rows)}, "+ date");
  return el("div", {class: "lever", "data-path": lever.path},
    el("div", {class: "lever-head"}, el("span", {class: "lever-label"}, lever.label),
      el("span", {class: "unit"}, lever.unit)),
    rows, el("div", {class: "lever-foot"}, el("span", {class: "allowed"}, "allowed: " + lever.allowed), add),
    el("div", {class: "lever-problem error"}));
}

function addDate(lever, rows) {
  const first = rows.querySelector(".lever-row");
  if (first && first.querySelector(".from")) {  // a single value becomes the value from the start
    first.querySelector(".from").replaceWith(el("input", {type: "month", class: "lever-month",
      value: $("start").value || state.leverStart, "aria-label": lever.label + " from",
      oninput: () => checkLever(lever.path)}));
  }
  const last = [...rows.querySelectorAll(".lever-value")].pop();
  const value = lever.kind === "bool" ? last.value === "true" : last.value;
  rows.append(leverRow(lever, {month: "", value}, rows.children.length));
  checkLever(lever.path);
}

async function loadLevers() {
  const ref = $("scenario").value;
  const info = state.scenarios.find((s) => s.ref === ref);
  $("scenario-description").textContent = info ? info.description : "";
  const form = await call("/api/levers?scenario=" + encodeURIComponent(ref));
  state.levers = form.levers;
  state.leverStart = form.start;
  state.original = Object.fromEntries(form.levers.map((l) => [l.path, JSON.stringify(l.value)]));
  $("start").value = form.start;
  $("end").value = form.end;
  $("start").min = form.earliest_start;
  const groups = new Map();
  for (const lever of form.levers) {
    if (!groups.has(lever.group)) groups.set(lever.group, []);
    groups.get(lever.group).push(lever);
  }
  const box = $("levers");
  box.dataset.scenario = ref;  // the form shown is this scenario's (a test waits for it)
  box.replaceChildren(...[...groups.entries()].map(([group, levers], i) =>
    el("details", {class: "lever-group", open: i === 0}, el("summary", {}, group, el("span", {class: "changed-count"})),
      el("div", {class: "lever-grid"}, levers.map(renderLever)))));
  checkForm();
}

function readLever(lever) {
  const node = document.querySelector(`.lever[data-path="${lever.path}"]`);
  const rows = [...node.querySelectorAll(".lever-row")];
  const problems = [];
  const parse = (input) => {
    const text = input.value;
    if (lever.kind === "bool") return text === "true";
    if (lever.kind === "choice") return text;
    if (text === "" || !input.checkValidity()) {
      problems.push(`must be ${lever.allowed}` + (text === "" ? "" : `. Got ${text} instead.`));
      return null;
    }
    const number = Number(text);
    if (!Number.isFinite(number) || (lever.kind === "int" && !Number.isInteger(number))
        || (lever.min !== null && number < lever.min) || (lever.max !== null && number > lever.max)) {
      problems.push(`must be ${lever.allowed}. Got ${text} instead.`);
      return null;
    }
    return number;
  };
  if (rows.length === 1 && rows[0].querySelector(".from")) {
    return {value: parse(rows[0].querySelector(".lever-value")), problems};
  }
  const value = {};
  let previous = "";
  for (const row of rows) {
    const month = row.querySelector(".lever-month").value;
    if (!/^\d{4}-\d{2}$/.test(month)) { problems.push("every date must be a month (YYYY-MM)"); continue; }
    if (month <= previous) problems.push("dates must increase from row to row");
    previous = month;
    value[month] = parse(row.querySelector(".lever-value"));
  }
  return {value, problems};
}

function checkLever(path) {
  const lever = state.levers.find((l) => l.path === path);
  const node = document.querySelector(`.lever[data-path="${path}"]`);
  const {value, problems} = readLever(lever);
  node.querySelector(".lever-problem").textContent = problems.join("; ");
  node.classList.toggle("invalid", problems.length > 0);
  node.classList.toggle("changed", !problems.length && JSON.stringify(value) !== state.original[path]);
  checkForm();
}

function changedLevers() {
  const changed = {};
  for (const lever of state.levers) {
    const {value, problems} = readLever(lever);
    if (!problems.length && JSON.stringify(value) !== state.original[lever.path]) changed[lever.path] = value;
  }
  return changed;
}

function formProblems() {
  const problems = [];
  const limits = state.settings.limits;
  const scale = Number($("scale").value);
  if (!($("scale").value && scale > 0 && scale <= limits.max_scale)) {
    problems.push(`scale must be a number in (0, ${limits.max_scale}]`);
  }
  if (!/^\d+$/.test($("seed").value)) problems.push("seed must be a whole number >= 0");
  if (kind() === "compare") {
    const replicates = Number($("replicates").value);
    if (!(Number.isInteger(replicates) && replicates >= 1 && replicates <= limits.max_replicates)) {
      problems.push(`replicates must be a whole number from 1 to ${limits.max_replicates}`);
    }
    const others = document.querySelectorAll("#compare-choices input:checked").length;
    if (others < 1 || others + 1 > limits.max_scenarios) {
      problems.push(`tick 1 to ${limits.max_scenarios - 1} scenarios to compare with`);
    }
  }
  const invalid = [...document.querySelectorAll(".lever.invalid")].map((node) => {
    const lever = state.levers.find((l) => l.path === node.dataset.path);
    return `${lever.label} (${lever.group}) ${node.querySelector(".lever-problem").textContent}`;
  });
  if (invalid.length > 2) problems.push(`${invalid.length} levers have values that are not allowed (marked in red)`);
  else problems.push(...invalid);
  return problems;
}

function checkForm() {
  const problems = formProblems();
  const text = problems.join("; ");
  $("form-problems").textContent = problems.length ? "Fix first: " + text + (text.endsWith(".") ? "" : ".") : "";
  $("launch").disabled = problems.length > 0;
  for (const group of document.querySelectorAll(".lever-group")) {
    const count = group.querySelectorAll(".lever.changed").length;
    group.querySelector(".changed-count").textContent = count ? ` (${count} changed)` : "";
  }
}

function kind() {
  return document.querySelector("input[name=kind]:checked").value;
}

function showKind() {
  const compare = kind() === "compare";
  $("compare-with").hidden = !compare;
  for (const node of document.querySelectorAll(".compare-only")) node.hidden = !compare;
  $("launch").textContent = compare ? "Compare" : "Run";
  checkForm();
}

async function launch() {
  showAlert("");
  const scenarios = [$("scenario").value];
  if (kind() === "compare") {
    scenarios.push(...[...document.querySelectorAll("#compare-choices input:checked")].map((i) => i.value));
  }
  const request = {kind: kind(), scenarios, levers: changedLevers(), scale: Number($("scale").value),
    seed: Number($("seed").value), replicates: Number($("replicates").value),
    start: $("start").value || null, end: $("end").value || null};
  try {
    await call("/api/jobs", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(request)});
    await refreshJobs();
  } catch (error) {
    showAlert(error.message);
  }
}

// -- jobs -----------------------------------------------------------------------------------
const FINAL = ["done", "failed", "cancelled"];

function jobItem(job) {
  const share = job.total ? job.done / job.total : 0;
  const detail = job.state === "queued" ? `waiting: number ${job.position} in the queue`
    : job.state === "running" ? (job.total ? `${job.done} of ${job.total} ${job.unit}s` : (job.notice || "starting"))
    : job.state === "failed" ? job.error
    : job.state === "done" ? `finished in ${(job.finished - job.started).toFixed(1)} s`
    : "cancelled: nothing was written";
  return el("li", {class: "job " + job.state, "data-job": job.id},
    el("div", {class: "job-head"}, el("span", {class: "badge " + job.state}, job.state),
      el("span", {class: "job-label"}, job.label)),
    el("div", {class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
      "aria-valuenow": Math.round(share * 100)},
      el("div", {class: "bar", style: `width:${(share * 100).toFixed(1)}%`})),
    el("div", {class: "job-detail" + (job.state === "failed" ? " error" : "")}, detail),
    job.state === "running" && job.notice && job.total ? el("div", {class: "small"}, job.notice) : null,
    el("div", {class: "job-actions"},
      FINAL.includes(job.state) ? null : el("button", {type: "button", class: "cancel",
        onclick: () => cancelJob(job.id)}, "Cancel"),
      job.state === "done" ? el("button", {type: "button", class: "view primary",
        onclick: () => showJobResult(job)}, "View results") : null));
}

async function refreshJobs() {
  try {
    state.jobs = await call("/api/jobs");
  } catch (error) {
    $("jobs-note").textContent = "The server does not answer: " + error.message;
    return;
  }
  const limits = state.settings.limits;
  $("jobs-note").textContent = `${limits.max_running} job${limits.max_running > 1 ? "s" : ""} at a time; `
    + `the others wait in the queue (at most ${limits.max_waiting}).`;
  $("jobs").replaceChildren(...state.jobs.map(jobItem));
  const active = state.jobs.some((j) => !FINAL.includes(j.state));
  if (active && !state.polling) state.polling = setInterval(refreshJobs, 700);
  if (!active && state.polling) { clearInterval(state.polling); state.polling = null; }
}

async function cancelJob(id) {
  try {
    await call(`/api/jobs/${id}/cancel`, {method: "POST"});
  } catch (error) {
    showAlert(error.message);
  }
  await refreshJobs();
}

function showJobResult(job) {
  if (job.kind === "pathways") showPathways(job.result);
  else if (job.kind === "compare") showCompare(job.result);
  else showRuns([job.result]);
}

// -- results --------------------------------------------------------------------------------
function chart(figure, id) {
  const box = el("div", {class: "chart", id});
  requestAnimationFrame(() => Plotly.newPlot(box, figure.data, figure.layout,
    {displaylogo: false, responsive: true}));
  return box;
}

function resizeCharts() {
  for (const node of document.querySelectorAll("#results .chart, #pathway-results .chart")) {
    if (node.data) Plotly.Plots.resize(node);
  }
}

function downloads(run, compact) {
  const links = [];
  for (const table of ["stocks", "flows", "demand", "measures"]) {
    for (const format of ["parquet", "csv"]) {
      links.push(el("a", {href: `/api/table?run=${encodeURIComponent(run.id)}&table=${table}&format=${format}`,
        download: true, class: "download"}, `${table}.${format}`));
    }
  }
  links.push(el("a", {href: `/api/report?run=${encodeURIComponent(run.id)}`, download: true,
    class: "download"}, "report.html"));
  return el("p", {class: "downloads"}, compact ? null : el("b", {}, run.label + ": "), links);
}

function stockCharts(stocks, prefix) {
  const kinds = [["status", "By status"], ["origin", "By origin"], ["sector", "By sector"]];
  if (stocks.status.length === 1) {  // one run: its three charts side by side
    return el("div", {class: "grid"}, kinds.map(([key, title]) => el("div", {}, el("h4", {}, title),
      chart(stocks[key][0], `${prefix}-${key}-0`))));
  }
  return kinds.map(([key, title]) =>
    el("div", {}, el("h4", {}, title), el("div", {class: stocks[key].length > 1 ? "grid" : "single"},
      stocks[key].map((figure, i) => chart(figure, `${prefix}-${key}-${i}`)))));
}

function showResults(...nodes) {
  $("results-empty").hidden = true;
  $("results").replaceChildren(...nodes.flat(2).filter((n) => n));
  showTab("results");
}

async function showRuns(ids) {
  showAlert("");
  let view;
  try {
    view = await call("/api/view?" + ids.map((id) => "run=" + encodeURIComponent(id)).join("&"));
  } catch (error) {
    showAlert(error.message);
    return;
  }
  const labels = view.runs.map((r) => r.label);
  const table = el("table", {class: "data metrics"},
    el("thead", {}, el("tr", {}, el("th", {}, "Metric"), el("th", {}, "Actor"), labels.map((l) => el("th", {}, l)))),
    el("tbody", {}, view.metrics.map((m) => el("tr", {class: m.key.startsWith("index.") ? "index-row" : ""},
      el("td", {title: m.description}, m.label), el("td", {}, m.actor),
      m.values.map((v) => el("td", {class: "num"}, v))))));
  const f = view.figures;
  showResults(
    el("h2", {}, view.runs.length > 1 ? "Runs side by side" : "Run: " + labels[0]),
    el("p", {class: "small"}, view.runs
      .map((r) => `${r.label}: ${r.start} to ${r.end}, scale ${r.scale}, seed ${r.seed}`)
      .join(" · ") + (view.runs.length > 1 ? ". One run each" : ". One run")
      + ": no intervals (a comparison over replicates gives them)."),
    el("div", {class: "downloads-box"}, view.runs.map((run) => downloads(run))),
    el("h3", {}, "The three actors and the Balanced Coexistence Index"), table,
    el("h3", {}, "Who is in the host"), stockCharts(f.stocks, "run"),
    el("h3", {}, "Host society: filling demand, irregular stay"),
    el("div", {class: "grid"}, chart(f.fill_rate, "fill-rate"), chart(f.irregular, "irregular"),
      chart(f.absconding, "absconding")),
    el("h3", {}, "Countries of origin: returnees, skills, remittances"),
    el("div", {class: "grid"}, chart(f.returnee_employment, "returnee-employment"),
      chart(f.skill_years_home, "skill-years"), chart(f.remittances, "remittances")));
}

const VERDICT_CLASS = {"supported": "v-sup", "contradicted": "v-con", "not shown": "v-not"};

async function showCompare(id) {
  showAlert("");
  let view;
  try {
    view = await call("/api/compare?id=" + encodeURIComponent(id));
  } catch (error) {
    showAlert(error.message);
    return;
  }
  const table = el("table", {class: "data metrics"},
    el("thead", {}, el("tr", {}, el("th", {}, "Metric"), el("th", {}, "Actor"),
      view.scenarios.map((n) => el("th", {}, n)))),
    el("tbody", {}, view.metrics.map((m) => el("tr", {class: m.key.startsWith("index.") ? "index-row" : ""},
      el("td", {title: m.description}, m.label), el("td", {}, m.actor),
      m.cells.map((c) => el("td", {class: "num"}, c.text))))));
  const claims = view.claims.length ? el("ul", {class: "claims"}, view.claims.map((c) => el("li", {},
    el("span", {class: "verdict " + (VERDICT_CLASS[c.verdict] || "v-not")}, c.verdict), " ", c.statement,
    el("span", {class: "small"}, ` (${c.scenario} vs ${c.baseline})`))))
    : el("p", {}, "No claim compares two of these scenarios.");
  const f = view.figures;
  showResults(
    el("h2", {}, "Comparison: " + view.scenarios.join(" vs ")),
    el("p", {class: "small"}, `Median and 90% interval over ${view.replicates} replicates at scale ${view.scale}, `
      + `seed ${view.seed}; each replicate uses the same seed and parameters in every scenario.`
      + (view.replicates < 2 ? " With one replicate there are no intervals and every claim is 'not shown'." : "")),
    el("div", {class: "downloads-box"},
      view.report ? el("p", {class: "downloads"}, el("a", {href: "/api/report?compare=" + encodeURIComponent(view.id),
        download: true, class: "download"}, "the full report (report.html)")) : null,
      view.runs.map((r) => downloads({id: r.id, label: r.label + " (replicate 0)"}))),
    el("h3", {}, "Claims and their verdicts"), claims,
    el("h3", {}, "The three actors and the Balanced Coexistence Index"),
    chart(f.scores, "scores"), table,
    el("h3", {}, "Host society and countries of origin, year by year"),
    el("div", {class: "grid"}, Object.entries(f.bands).map(([key, figure]) => chart(figure, "band-" + key))),
    el("h3", {}, "Who is in the host (replicate 0)"), stockCharts(f.stocks, "compare"));
}

// -- past runs ------------------------------------------------------------------------------
function fmt(value, digits) {
  if (value === null || value === undefined) return "";
  if (digits === "time") return String(value).replace("T", " ").replace(/:\d\dZ?$/, "") + " UTC";
  if (typeof value === "number" && digits === "%") return (value * 100).toFixed(1) + "%";
  if (typeof value === "number" && digits !== undefined) return value.toFixed(digits);
  return String(value);
}

async function loadRuns() {
  let listing;
  $("runs-table").dataset.loading = "yes";
  try {
    listing = await call("/api/runs");
  } catch (error) {
    showAlert(error.message);
    return;
  } finally {
    delete $("runs-table").dataset.loading;
  }
  $("compares-table").replaceChildren(
    el("thead", {}, el("tr", {}, ["Scenarios", "Replicates", "Scale", "Created", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, listing.compares.length ? listing.compares.map((c) => el("tr", {},
      el("td", {}, c.scenarios.join(" vs ")), el("td", {}, fmt(c.replicates)), el("td", {}, fmt(c.scale)),
      el("td", {}, fmt(c.created, "time")),
      el("td", {}, el("button", {type: "button", onclick: () => showCompare(c.id)}, "View"), " ",
        el("a", {href: "/api/report?compare=" + encodeURIComponent(c.id), download: true}, "report"))))
      : el("tr", {}, el("td", {colspan: 5}, "No comparison yet."))));
  $("runs-table").replaceChildren(
    el("thead", {}, el("tr", {}, ["", "Scenario", "Folder", "Seed", "Scale", "Horizon", "Created", "Fill rate",
      "Balance index", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, listing.runs.length ? listing.runs.map((r) => el("tr", {"data-run": r.id},
      el("td", {}, el("input", {type: "checkbox", class: "pick", value: r.id, "aria-label": "tick " + r.id,
        onchange: pickedChanged})),
      el("td", {}, r.scenario || ""), el("td", {class: "small"}, r.id), el("td", {}, fmt(r.seed)),
      el("td", {}, fmt(r.scale)), el("td", {}, `${r.start || ""} to ${r.end || ""}`),
      el("td", {}, fmt(r.created, "time")),
      el("td", {class: "num"}, fmt(r["host.fill_rate"], "%")), el("td", {class: "num"}, fmt(r["index.balance"], 3)),
      el("td", {}, r.problem ? el("span", {class: "error"}, r.problem)
        : [el("button", {type: "button", onclick: () => showRuns([r.id])}, "View"),
          el("details", {class: "run-downloads"}, el("summary", {}, "Download"), downloads(r, true))])))
      : el("tr", {}, el("td", {colspan: 10}, "No run yet."))));
  pickedChanged();
}

function pickedChanged() {
  const picked = document.querySelectorAll("#runs-table input.pick:checked").length;
  $("compare-selected").disabled = picked < 2 || picked > state.settings.limits.max_scenarios;
}

// -- the pathway of one person --------------------------------------------------------------
// The history a user starts from: a technical intern who moved on to SSW-i (docs/explain.md).
const EXAMPLE_STATUSES = [["titp", "2022-04", "2025-03"], ["ssw1", "2025-04", ""]];
const EXAMPLE_MONTH = "2026-01";
const LANGUAGE_LABELS = {0: "none (0)", N5: "N5 (A1)", N4: "N4 (A2)", N3: "N3 (B1)", N2: "N2", N1: "N1"};

function statusRow(status, from, to) {
  const remove = el("button", {type: "button", class: "small-button", title: "remove this status",
    onclick: (e) => { e.target.closest("tr").remove(); numberStatusRows(); }}, "×");
  return el("tr", {class: "pw-stint"}, el("td", {class: "small pw-stint-index"}),
    el("td", {}, el("input", {type: "text", class: "pw-stint-status", list: "pw-status-names", value: status,
      "aria-label": "status", size: 14})),
    el("td", {}, el("input", {type: "month", class: "pw-stint-from", value: from, "aria-label": "from"})),
    el("td", {}, el("input", {type: "month", class: "pw-stint-to", value: to, "aria-label": "to (last month)"})),
    el("td", {}, remove));
}

// Each row shows its index as the server's messages name it (statuses[1] is the second row).
function numberStatusRows() {
  document.querySelectorAll("#pw-statuses .pw-stint-index").forEach((cell, k) => { cell.textContent = `[${k}]`; });
}

function scenarioOptions(select, chosen, none) {
  const options = state.scenarios.map((s) => el("option", {value: s.ref}, s.uploaded ? s.name + " (uploaded)" : s.name));
  select.replaceChildren(...(none ? [el("option", {value: ""}, none)] : []), ...options);
  select.value = chosen;
}

async function loadPathwayForm() {
  const form = await call("/api/pathway-form?scenario=" + encodeURIComponent($("pw-scenario").value));
  const keep = (id) => $(id).value;
  const fill = (id, values, label) => {
    const before = keep(id);
    $(id).replaceChildren(...values.map((v) => el("option", {value: v}, label ? label(v) : String(v))));
    if (before && values.map(String).includes(before)) $(id).value = before;
  };
  const names = Object.fromEntries(form.origins.map((o) => [o.code, o.name]));
  fill("pw-origin", form.origins.map((o) => o.code), (code) => `${names[code]} (${code})`);
  fill("pw-sector", form.sectors, (s) => s.replace(/_/g, " "));
  fill("pw-certified", form.certified, (c) => (c === "none" ? "none" : c.toUpperCase()));
  fill("pw-language", form.languages, (l) => LANGUAGE_LABELS[l] || String(l));
  $("pw-status-names").replaceChildren(...form.statuses.map((s) => el("option", {value: s})));
  $("pw-month").min = form.start;
  $("pw-month").max = form.end;
  for (const input of document.querySelectorAll(".pw-stint-from, .pw-stint-to, #pw-removal, #pw-ban")) {
    input.min = form.first_month;
  }
  state.pathwayForm = form;
  const limits = state.settings.limits;
  $("pw-copies").max = limits.max_copies;
  $("pw-horizon").max = limits.max_months;
  $("pw-note").textContent = `${form.name} runs ${form.start} to ${form.end}; histories may start from `
    + `${form.first_month} (the first data on foreign workers in Japan). On this server: at most `
    + `${limits.max_copies} copies and ${limits.max_months} months ahead. The question runs as a job `
    + "(listed on the first tab), after any job before it.";
}

async function startPathwayForm() {
  const first = state.scenarios.some((s) => s.ref === "japan-circular") ? "japan-circular" : state.scenarios[0].ref;
  const second = state.scenarios.some((s) => s.ref === "japan-temporary") ? "japan-temporary" : "";
  scenarioOptions($("pw-scenario"), first);
  scenarioOptions($("pw-compare"), second, "(none)");
  await loadPathwayForm();
  $("pw-origin").value = "VNM";
  $("pw-sector").value = "construction";
  $("pw-certified").value = "ssw1";
  $("pw-language").value = "N4";
  $("pw-month").value = EXAMPLE_MONTH;
  $("pw-copies").value = state.pathwayForm.copies;
  $("pw-horizon").value = state.pathwayForm.horizon_months;
  $("pw-statuses").tBodies[0].replaceChildren(...EXAMPLE_STATUSES.map((row) => statusRow(...row)));
  numberStatusRows();
  $("pw-add-status").addEventListener("click", () => {
    const last = [...document.querySelectorAll(".pw-stint-to")].pop();
    $("pw-statuses").tBodies[0].append(statusRow("", "", ""));
    numberStatusRows();
    if (last && !last.value) last.focus();  // the status before needs its last month now
  });
  $("pw-scenario").addEventListener("change", () => loadPathwayForm().catch((e) => showPathwayError(e)));
  $("pathway-form").addEventListener("submit", askPathways);
}

function readPersonHistory() {
  const history = {origin: $("pw-origin").value, sector: $("pw-sector").value, certified: $("pw-certified").value,
    family_in_host: $("pw-family").checked, statuses: []};
  const language = $("pw-language").value;
  history.language = /^\d+$/.test(language) ? Number(language) : language;
  const whole = (id) => ($(id).value === "" ? null : Number($(id).value));
  if (whole("pw-abroad") !== null) history.months_abroad_before = whole("pw-abroad");
  if (whole("pw-age") !== null) history.age_years = whole("pw-age");
  for (const row of document.querySelectorAll("#pw-statuses tr.pw-stint")) {
    const stint = {status: row.querySelector(".pw-stint-status").value.trim()};
    const from = row.querySelector(".pw-stint-from").value;
    const to = row.querySelector(".pw-stint-to").value;
    if (from) stint.from = from;
    stint.to = to || null;
    history.statuses.push(stint);
  }
  if ($("pw-removal").value) {
    history.removal = {month: $("pw-removal").value};
    if ($("pw-ban").value) history.removal.ban_until = $("pw-ban").value;
  }
  return history;
}

// The input a server error names (its `field`), to mark it.
function pathwayInput(field) {
  if (!field) return null;
  const stint = /^history\.statuses\[(\d+)\](?:\.(status|from|to))?$/.exec(field);
  if (stint) {
    const row = document.querySelectorAll("#pw-statuses tr.pw-stint")[Number(stint[1])];
    return row ? row.querySelector(".pw-stint-" + (stint[2] || "status")) : null;
  }
  const ids = {"history.origin": "pw-origin", "history.sector": "pw-sector", "history.certified": "pw-certified",
    "history.language": "pw-language", "history.family_in_host": "pw-family", "history.age_years": "pw-age",
    "history.months_abroad_before": "pw-abroad", "history.removal.month": "pw-removal",
    "history.removal": "pw-removal", "history.removal.ban_until": "pw-ban", month: "pw-month",
    "history.as_of": "pw-month", copies: "pw-copies", horizon_months: "pw-horizon", seed: "pw-seed",
    scenario: "pw-scenario"};
  return ids[field] ? $(ids[field]) : null;
}

function showPathwayError(error) {
  for (const node of document.querySelectorAll("#pathway-form .invalid")) node.classList.remove("invalid");
  const box = $("pw-error");
  box.hidden = !error;
  $("pw-status").textContent = "";
  if (!error) return;
  $("pathway-results").replaceChildren();  // the answer shown was for another history
  box.textContent = error.message;
  const input = pathwayInput(error.field);
  if (input) {
    input.classList.add("invalid");
    input.focus();
  }
  box.scrollIntoView({block: "nearest"});
}

async function askPathways(event) {
  event.preventDefault();
  showPathwayError(null);
  const number = (id) => ($(id).value === "" ? null : Number($(id).value));
  const request = {scenario: $("pw-scenario").value, compare_with: $("pw-compare").value || null,
    month: $("pw-month").value || null, history: readPersonHistory(), copies: number("pw-copies"),
    horizon_months: number("pw-horizon"), seed: number("pw-seed")};
  if (request.compare_with === request.scenario) {
    showPathwayError(new Error("Compare with another regime than the first, or pick (none)."));
    return;
  }
  $("pw-ask").disabled = true;
  $("pw-status").textContent = "checking the history…";
  try {
    const job = await call("/api/pathways", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(request)});
    refreshJobs();
    await followPathwayJob(job.id);
  } catch (error) {
    showPathwayError(error);
  } finally {
    $("pw-ask").disabled = false;
  }
}

async function followPathwayJob(id) {
  for (;;) {
    const job = await call(`/api/jobs/${id}`);
    if (job.state === "done") {
      $("pw-status").textContent = `done in ${(job.finished - job.started).toFixed(1)} s`;
      showPathways(job.result);
      return;
    }
    if (job.state === "failed" || job.state === "cancelled") {
      throw new Error(job.state === "failed" ? job.error : "The question was cancelled (Jobs, on the first tab).");
    }
    $("pw-status").textContent = job.state === "queued"
      ? `waiting behind other jobs: number ${job.position} in the queue` : `computing: ${job.notice || "starting"}…`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// A rule's value as a short phrase: a move's requirements list only those that apply.
const REQUIREMENT_WORDS = {min_months_in_status: (v) => `${v} months in the status`,
  min_months_abroad: (v) => `${v} months abroad`, requires_test: (v) => `the ${v} test`,
  requires_language: (v) => `language level ${v}`, cooldown_months: (v) => `${v} months at home first`,
  min_months_completed: (v) => `${v} months completed`, route: (v) => v, to: (v) => "to " + v};

function ruleValue(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") {
    const parts = Object.entries(value).filter(([, v]) => v !== 0 && v !== "none" && v !== null && v !== false)
      .map(([k, v]) => (REQUIREMENT_WORDS[k] ? REQUIREMENT_WORDS[k](v) : `${k.replace(/_/g, " ")} ${ruleValue(v)}`));
    return parts.length ? parts.join(", ") : "no requirement";
  }
  return String(value).replace(/_/g, " ");
}

// A rule's path, allowed to wrap after each dot (a narrow column would break it mid-word).
function ruleName(path) {
  return el("code", {}, path.split(".").flatMap((part, i) => (i ? [el("wbr"), "." + part] : [part])));
}

function optionsTable(options) {
  return el("table", {class: "data pw-options"},
    el("thead", {}, el("tr", {}, ["Option", "Opens", "Rule and value in force", "Why"]
      .map((h) => el("th", {}, h)))),
    el("tbody", {}, options.map((o) => el("tr", {class: o.open_now ? "pw-open" : ""},
      el("td", {class: "pw-option"}, o.option),
      el("td", {class: "pw-opens"},
        el("span", {class: "badge " + (o.open_now ? "done" : o.earliest ? "queued" : "failed")},
          o.open_now ? "open" : o.earliest ? "later" : "blocked"), el("div", {}, o.earliest || "never")),
      el("td", {}, o.rule ? ruleName(o.rule) : "no rule",
        el("div", {class: "small"}, ruleValue(o.value) + (o.since ? ` (since ${o.since})` : ""))),
      el("td", {}, o.why, o.needs && o.needs.length ? el("div", {class: "small"}, "needs " + o.needs.join(", "))
        : null)))));
}

function probabilityBar(p) {
  return el("td", {class: "num pw-prob"}, el("span", {class: "pw-bar", style: `width:${(p * 100).toFixed(1)}%`}),
    el("span", {}, (p * 100).toFixed(1) + "%"));
}

// One colour a state in every regime's chart, so that the charts side by side read alike; at home in grey.
const STATE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#882255",
  "#44AA99", "#332288"];
const HOME_COLOUR = "#BBBBBB";

function sharesChart(likely, id, colours) {
  const data = Object.entries(likely.state_shares).map(([name, shares]) => ({x: likely.months, y: shares,
    name, type: "scatter", mode: "lines", stackgroup: "one", line: {color: colours[name], width: 1},
    fillcolor: colours[name]}));
  return chart({data, layout: {height: 300, margin: {l: 50, r: 10, t: 10, b: 40}, yaxis: {range: [0, 1],
    tickformat: ".0%", title: "share of copies"}, legend: {orientation: "h", y: -0.2}}}, id);
}

function regimeColumn(regime, i, colours) {
  const now = regime.now || {};
  const person = regime.person;
  const where = person.status === "returned"
    ? `at home since leaving ${person.previous_status} (${person.months_home} months)`
    : `in ${person.status}, ${person.months_in_status} months in it`
      + (person.status === "irregular" ? "" : now.months_left === null || now.months_left === undefined
        ? ", no limit on the stay" : `, ${now.months_left} months left`);
  const likely = regime.likely;
  return el("div", {class: "pw-regime", "data-scenario": regime.scenario},
    el("h3", {}, regime.scenario),
    el("p", {class: "small"}, `${regime.as_of}: ${where}.`),
    el("h4", {}, "Options, now and later"), optionsTable(regime.options),
    el("h4", {}, `Likely paths, ${regime.horizon[0]} to ${regime.horizon[1]} (${likely.copies} copies)`),
    el("table", {class: "data pw-paths"},
      el("thead", {}, el("tr", {}, el("th", {}, "Path"), el("th", {}, "Probability"))),
      el("tbody", {}, likely.likely_paths.map((p) => el("tr", {}, el("td", {}, p.path), probabilityBar(p.probability))))),
    el("h4", {}, "Where the person is, month by month"), sharesChart(likely, "pw-shares-" + i, colours),
    el("h4", {}, "Events over the horizon"),
    el("table", {class: "data pw-events"},
      el("thead", {}, el("tr", {}, ["Event", "Probability", "Median first month"].map((h) => el("th", {}, h)))),
      el("tbody", {}, likely.events.map((e) => el("tr", {}, el("td", {}, e.event), probabilityBar(e.probability),
        el("td", {class: "num"}, e.median_first_month || "–"))))),
    el("details", {class: "small"}, el("summary", {}, "What the Monte Carlo assumes"),
      el("ul", {}, likely.assumptions.map((a) => el("li", {}, a)))));
}

function showPathways(result) {
  const history = result.history;
  const states = [...new Set(result.regimes.flatMap((r) => Object.keys(r.likely.state_shares)))]
    .filter((name) => name !== "home").sort();
  const colours = Object.fromEntries(states.map((name, k) => [name, STATE_COLOURS[k % STATE_COLOURS.length]]));
  colours.home = HOME_COLOUR;
  const held = history.statuses.map((s) => `${s.status} ${s.from} to ${s.to || "now"}`).join(", then ");
  $("pathway-results").replaceChildren(
    el("h2", {}, "Pathways: " + result.regimes.map((r) => r.scenario).join(" vs ")),
    el("p", {class: "small"}, `${history.origin}, ${history.sector.replace(/_/g, " ")}: ${held}`
      + (history.removal ? `; removed ${history.removal}` : "") + `. Asked about ${history.as_of}.`),
    el("div", {class: "pw-regimes" + (result.regimes.length > 1 ? " two" : "")},
      result.regimes.map((regime, i) => regimeColumn(regime, i, colours))));
  showTab("pathway");
  $("pathway-results").scrollIntoView({block: "start"});
}

// -- start ----------------------------------------------------------------------------------
async function start() {
  buildTabs();
  showTab("setup");
  try {
    state.settings = await call("/api/settings");
  } catch (error) {
    showAlert("The dashboard's server does not answer: " + error.message);
    return;
  }
  const limits = state.settings.limits;
  $("scale").value = state.settings.defaults.scale;
  $("scale").max = limits.max_scale;
  $("replicates").value = state.settings.defaults.replicates;
  $("replicates").max = limits.max_replicates;
  $("settings-note").textContent = `On this server: scale at most ${limits.max_scale}, at most `
    + `${limits.max_replicates} replicates, ${limits.max_scenarios} scenarios and ${limits.max_months} months.`;
  $("footer").textContent = `coexist ${state.settings.version} · run store: ${state.settings.store}`;
  $("scenario").addEventListener("change", () => {
    $("upload-error").hidden = true;
    buildCompareChoices();
    loadLevers().catch((e) => showAlert(e.message));
  });
  $("upload-form").addEventListener("submit", upload);
  for (const radio of document.querySelectorAll("input[name=kind]")) radio.addEventListener("change", showKind);
  for (const id of ["scale", "seed", "replicates"]) $(id).addEventListener("input", checkForm);
  $("compare-choices").addEventListener("change", checkForm);
  $("launch").addEventListener("click", launch);
  $("reset-levers").addEventListener("click", () => loadLevers().catch((e) => showAlert(e.message)));
  $("refresh-runs").addEventListener("click", loadRuns);
  $("compare-selected").addEventListener("click", () =>
    showRuns([...document.querySelectorAll("#runs-table input.pick:checked")].map((i) => i.value)));
  try {
    await loadScenarios();
    await startPathwayForm();
  } catch (error) {
    showAlert(error.message);
  }
  showKind();
  await refreshJobs();
}

start();
