// Chairside board: the day's chairs and a course's weeks, drawn from the
// public API with the caller's own key (kept in this tab's sessionStorage,
// never in a URL). Every action is an ordinary API call with the usual
// If-Match; a move is first asked as a dry run, so the engine's answer is
// shown before anything changes. No framework, nothing to build.
"use strict";

const board = {
  clinic: null,
  key: null,
  date: null,
  sheet: null,
  etag: null,
  selected: null,
  poll: null,
};

const $ = (id) => document.getElementById(id);
const STORE = "chairside.board";
const MINUTE = 60 * 1000;
const LIVE_EVERY_MS = 5000;

// ---- The API -------------------------------------------------------------

async function api(method, path, { body, ifMatch, ifNoneMatch } = {}) {
  const headers = { Authorization: `Bearer ${board.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  if (ifNoneMatch) headers["If-None-Match"] = ifNoneMatch;
  const reply = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = reply.status === 204 || reply.status === 304 ? "" : await reply.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (_) {
    json = { detail: text };
  }
  return { status: reply.status, ok: reply.ok, etag: reply.headers.get("ETag"), json };
}

const clinicPath = (rest) => `/v1/clinics/${board.clinic}${rest}`;

/** A refusal in words: the problem's detail, and the rules it names. */
function inWords(problem) {
  if (!problem) return "no answer";
  const rules = (problem.violations || problem.errors || [])
    .map((v) => v.detail || v.message || v.rule || v.field)
    .filter(Boolean);
  const title = problem.title ? `${problem.title}: ` : "";
  return `${title}${problem.detail || ""}${rules.length ? ` (${rules.join("; ")})` : ""}`;
}

function say(text) {
  $("status").textContent = text;
}

// ---- Sign-in -------------------------------------------------------------

function signIn(clinic, key) {
  board.clinic = clinic;
  board.key = key;
  sessionStorage.setItem(STORE, JSON.stringify({ clinic, key }));
  $("sign-in").hidden = true;
  $("views").hidden = false;
  showDay(board.date || today());
}

function signOut() {
  sessionStorage.removeItem(STORE);
  clearInterval(board.poll);
  Object.assign(board, { clinic: null, key: null, sheet: null, etag: null, selected: null });
  $("sign-in").hidden = false;
  $("views").hidden = true;
  $("day-board").hidden = true;
  $("course-view").hidden = true;
  $("panel").hidden = true;
  $("board").replaceChildren();
  say("Signed out.");
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

// ---- Time in the clinic's zone -------------------------------------------

function clock(zone) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function localTime(zone, instant) {
  return clock(zone).format(new Date(instant));
}

/** The span the axis shows: the day's opening hours, widened to every
 * session and closure drawn on it. Instants, so a 23- or 25-hour day is
 * as long as it really is. */
function axisOf(sheet) {
  const times = [];
  for (const o of sheet.opening) times.push(Date.parse(o.start), Date.parse(o.end));
  for (const chair of sheet.chairs) {
    for (const s of chair.sessions) times.push(Date.parse(s.start), Date.parse(s.end));
  }
  if (!times.length) return null;
  const hour = 60 * MINUTE;
  return { from: Math.floor(Math.min(...times) / hour) * hour, to: Math.ceil(Math.max(...times) / hour) * hour };
}

// ---- The day board -------------------------------------------------------

async function showDay(date) {
  board.date = date;
  $("day").value = date;
  $("course-view").hidden = true;
  $("day-board").hidden = false;
  board.etag = null;
  await loadDay();
  clearInterval(board.poll);
  board.poll = setInterval(loadDay, LIVE_EVERY_MS);
}

/** Reads the day sheet; unchanged (304) means nothing to redraw. */
async function loadDay() {
  if (!board.key) return;
  const reply = await api("GET", clinicPath(`/day-sheet?date=${board.date}`), { ifNoneMatch: board.etag });
  if (reply.status === 304) {
    moveNowLine();
    return;
  }
  if (!reply.ok) {
    say(`The day could not be read: ${inWords(reply.json)}`);
    if (reply.status === 401 || reply.status === 403) signOut();
    return;
  }
  board.etag = reply.etag;
  board.sheet = reply.json;
  board.readAt = Date.now();
  drawDay(reply.json);
  if (board.selected) {
    const still = findSession(board.selected.id);
    if (still) showPanel(still);
  }
}

function findSession(id) {
  for (const chair of board.sheet.chairs) {
    const s = chair.sessions.find((x) => x.id === id);
    if (s) return s;
  }
  return null;
}

function drawDay(sheet) {
  const zone = sheet.zone;
  $("day-title").textContent = `${sheet.date} · ${zone}`;
  const grid = document.createElement("div");
  grid.className = "grid";
  const axis = axisOf(sheet);
  if (!axis) {
    const p = document.createElement("p");
    p.textContent = "The clinic is closed this day.";
    $("board").replaceChildren(p);
    return;
  }
  const at = (instant) => `${((Date.parse(instant) - axis.from) / (axis.to - axis.from)) * 100}%`;
  const width = (a, b) => `${((Date.parse(b) - Date.parse(a)) / (axis.to - axis.from)) * 100}%`;
  grid.append(axisRow(zone, axis, at));
  for (const chair of sheet.chairs) grid.append(chairRow(sheet, chair, axis, at, width));
  if (sheet.coverage && sheet.coverage.length) grid.append(coverageRow(sheet, at, width));
  const line = document.createElement("div");
  line.className = "now";
  line.id = "now-line";
  line.setAttribute("aria-hidden", "true");
  grid.append(line);
  $("board").replaceChildren(grid);
  moveNowLine();
}

/** The clinic's now (as last read, moved on by the time since). */
function moveNowLine() {
  const line = $("now-line");
  const sheet = board.sheet;
  if (!line || !sheet) return;
  const axis = axisOf(sheet);
  const now = Date.parse(sheet.now) + (Date.now() - (board.readAt || Date.now()));
  line.hidden = !(axis && now >= axis.from && now <= axis.to);
  if (!line.hidden) line.style.left = `calc(7rem + (100% - 7rem) * ${(now - axis.from) / (axis.to - axis.from)})`;
}

function axisRow(zone, axis, at) {
  const row = document.createElement("div");
  row.className = "axis";
  row.setAttribute("aria-hidden", "true");
  const label = document.createElement("div");
  label.className = "label";
  label.textContent = "Chair";
  const lane = document.createElement("div");
  lane.className = "lane";
  for (let t = axis.from; t < axis.to; t += 60 * MINUTE) {
    const tick = document.createElement("div");
    tick.className = "tick";
    const instant = new Date(t).toISOString();
    tick.style.left = at(instant);
    tick.dataset.at = instant;
    tick.textContent = localTime(zone, instant);
    lane.append(tick);
  }
  row.append(label, lane);
  return row;
}

function chairRow(sheet, chair, axis, at, width) {
  const row = document.createElement("div");
  row.className = "row";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", `${chair.label}${chair.active ? "" : " (out of service)"}`);
  row.dataset.chair = chair.chair_id;
  const label = document.createElement("div");
  label.className = "label";
  label.textContent = chair.label;
  const lane = document.createElement("div");
  lane.className = "lane";
  for (const c of sheet.closures) {
    if (c.chair_id !== null && c.chair_id !== chair.chair_id) continue;
    const shade = document.createElement("div");
    shade.className = "closed";
    shade.title = c.chair_id === null ? "clinic closed" : "chair blocked";
    shade.style.left = at(c.start);
    shade.style.width = width(c.start, c.end);
    lane.append(shade);
  }
  const from = new Date(axis.from).toISOString();
  const to = new Date(axis.to).toISOString();
  for (const o of closedBetween(sheet.opening, from, to)) {
    const shade = document.createElement("div");
    shade.className = "closed";
    shade.title = "outside opening hours";
    shade.style.left = at(o.start);
    shade.style.width = width(o.start, o.end);
    lane.append(shade);
  }
  for (const s of chair.sessions) lane.append(sessionBar(sheet, chair, s, at, width));
  row.append(label, lane);
  return row;
}

/** The parts of [from, to) outside the opening hours. */
function closedBetween(opening, from, to) {
  const spans = [];
  let cursor = from;
  for (const o of [...opening].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    if (Date.parse(o.start) > Date.parse(cursor)) spans.push({ start: cursor, end: o.start });
    if (Date.parse(o.end) > Date.parse(cursor)) cursor = o.end;
  }
  if (Date.parse(cursor) < Date.parse(to)) spans.push({ start: cursor, end: to });
  return spans;
}

const STATUS_WORDS = {
  booked: "booked",
  checked_in: "checked in",
  completed: "completed",
  not_dosed: "not dosed",
  cancelled: "cancelled",
  no_show: "no-show",
  entered_in_error: "entered in error",
};

function sessionBar(sheet, chair, s, at, width) {
  const bar = document.createElement("button");
  bar.type = "button";
  const flags = [];
  if (s.running_over && s.running_over.late_by_minutes > 0) flags.push("late");
  if (s.running_over && s.running_over.reaches_next) flags.push("overrun");
  bar.className = ["bar", s.status, s.modality, ...flags].join(" ");
  bar.dataset.session = s.id;
  bar.style.left = at(s.start);
  bar.style.width = width(s.start, s.end);
  const zone = sheet.zone;
  const who = s.patient_name || `patient ${s.patient_id}`;
  const times = `${localTime(zone, s.start)}–${localTime(zone, s.end)}`;
  const more = flags.length ? `, ${flags.join(", ")}` : "";
  bar.setAttribute("aria-label", `${who}, ${chair.label}, ${times}, ${STATUS_WORDS[s.status]}, ${s.modality}${more}`);
  bar.setAttribute("aria-pressed", board.selected && board.selected.id === s.id ? "true" : "false");
  const parts = [
    ["check", s.start, s.segments.treatment_start],
    ["treatment", s.segments.treatment_start, s.segments.monitoring_start],
    ["monitoring", s.segments.monitoring_start, s.end],
  ];
  const total = Date.parse(s.end) - Date.parse(s.start);
  for (const [name, a, b] of parts) {
    const seg = document.createElement("span");
    seg.className = `seg ${name}`;
    seg.style.width = `${((Date.parse(b) - Date.parse(a)) / total) * 100}%`;
    seg.title = name;
    bar.append(seg);
  }
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = `${times} ${who}`;
  bar.append(text);
  bar.addEventListener("click", () => showPanel(s));
  if (s.status === "booked") draggable(bar, s);
  return bar;
}

function coverageRow(sheet, at, width) {
  const row = document.createElement("div");
  row.className = "row coverage";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Staff coverage");
  const label = document.createElement("div");
  label.className = "label";
  label.textContent = "Staff";
  const lane = document.createElement("div");
  lane.className = "lane";
  const step = (sheet.grid_minutes || 15) * MINUTE;
  for (const slot of sheet.coverage) {
    const short = slot.roles.filter((r) => r.needed > r.on_shift);
    const cell = document.createElement("div");
    cell.className = `cover ${short.length ? "short" : "ok"}`;
    cell.style.left = at(slot.start);
    cell.style.width = width(slot.start, new Date(Date.parse(slot.start) + step).toISOString());
    const words = slot.roles.map((r) => `${r.role} ${r.needed}/${r.on_shift}`).join(", ");
    cell.title = `${slot.local_time}: ${words}`;
    cell.textContent = short.length ? "!" : "";
    if (short.length) cell.setAttribute("aria-label", `${slot.local_time}: short of ${short.map((r) => r.role).join(", ")}`);
    lane.append(cell);
  }
  row.append(label, lane);
  return row;
}

// ---- The session panel and its actions -------------------------------------

function showPanel(s) {
  board.selected = s;
  for (const b of document.querySelectorAll(".bar")) {
    b.setAttribute("aria-pressed", Number(b.dataset.session) === s.id ? "true" : "false");
  }
  const zone = board.sheet.zone;
  $("panel").hidden = false;
  $("panel-title").textContent = s.patient_name || `Patient ${s.patient_id}`;
  const facts = [
    ["Time", `${localTime(zone, s.start)}–${localTime(zone, s.end)}`],
    ["Status", STATUS_WORDS[s.status]],
    ["Treatment", s.modality],
    ["Dose", `phase ${s.phase + 1}, number ${s.sequence}`],
  ];
  if (s.running_over) facts.push(["Running over", `holds the chair until ${localTime(zone, s.running_over.until)}`]);
  $("panel-facts").replaceChildren(
    ...facts.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  const actions = [];
  if (s.status === "booked") {
    actions.push(["Check in", () => act(s, "check-in")]);
    actions.push(["No-show", () => act(s, "no-show")]);
    actions.push(["Next best", () => nextBest(s)]);
    actions.push(["Move…", () => openMove(s)]);
  }
  if (s.status === "checked_in") {
    actions.push(["Complete", () => act(s, "complete")]);
    actions.push(["Not dosed…", () => notDosed(s)]);
  }
  actions.push(["Course", () => showCourse(s.course_id)]);
  $("panel-actions").replaceChildren(
    ...actions.map(([label, run]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", run);
      return b;
    }),
  );
  $("move-form").hidden = true;
  $("answer").hidden = true;
}

async function freshEtag(s) {
  const reply = await api("GET", clinicPath(`/sessions/${s.id}`));
  return reply.ok ? reply.etag : null;
}

/** Runs a session action with the session's current ETag. */
async function act(s, action, body) {
  const etag = await freshEtag(s);
  const reply = await api("POST", clinicPath(`/sessions/${s.id}/${action}`), { body, ifMatch: etag });
  if (reply.ok) {
    say(`Done: ${action.replace("-", " ")} for ${s.patient_name || "the patient"}.`);
    board.etag = null;
    await loadDay();
  } else {
    answer(false, `Refused: ${inWords(reply.json)}`);
  }
  return reply;
}

function notDosed(s) {
  const reason = window.prompt("Why was the dose withheld?");
  if (reason) act(s, "not-dosed", { reason });
}

function answer(allowed, text, apply) {
  const box = $("answer");
  box.hidden = false;
  box.className = `answer ${allowed ? "allowed" : "refused"}`;
  box.replaceChildren(document.createTextNode(text));
  if (apply) {
    const yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = "Apply";
    yes.addEventListener("click", apply);
    const no = document.createElement("button");
    no.type = "button";
    no.textContent = "Cancel";
    no.addEventListener("click", () => {
      box.hidden = true;
      drawDay(board.sheet);
    });
    const row = document.createElement("div");
    row.className = "actions";
    row.append(yes, no);
    box.append(row);
    yes.focus();
  }
}

/** Asks the engine about a move without making it, then offers to apply. */
async function proposeMove(s, body) {
  const etag = await freshEtag(s);
  const path = clinicPath(`/sessions/${s.id}/reschedule`);
  const dry = await api("POST", `${path}?dry_run=true`, { body, ifMatch: etag });
  if (!dry.ok) {
    answer(false, `Refused: ${inWords(dry.json)}`);
    drawDay(board.sheet);
    return;
  }
  const moved = dry.json.session;
  const zone = board.sheet.zone;
  const chair = board.sheet.chairs.find((c) => c.chair_id === moved.chair_id);
  const also = dry.json.booked.length + dry.json.cancelled.length;
  const text = `Allowed: ${localTime(zone, moved.start)} on ${chair ? chair.label : `chair ${moved.chair_id}`}, ${moved.local.date}` +
    (also ? ` (the course also moves ${also} other session${also > 1 ? "s" : ""})` : "");
  answer(true, text, async () => {
    const reply = await api("POST", path, { body, ifMatch: etag });
    if (reply.ok) {
      say(`Moved to ${localTime(zone, reply.json.session.start)}.`);
      $("answer").hidden = true;
      board.etag = null;
      await loadDay();
    } else {
      answer(false, `Refused: ${inWords(reply.json)}`);
    }
  });
}

function nextBest(s) {
  proposeMove(s, { next_best: {}, reason: "next best time, from the board" });
}

function openMove(s) {
  const form = $("move-form");
  form.hidden = false;
  $("move-start").value = s.local.start;
  $("move-chair").replaceChildren(
    ...board.sheet.chairs.map((c) => {
      const o = document.createElement("option");
      o.value = c.chair_id;
      o.textContent = c.label;
      o.selected = c.chair_id === s.chair_id;
      return o;
    }),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    const local = `${board.sheet.date}T${$("move-start").value}`;
    proposeMove(s, { to: { local_start: local }, chair_id: Number($("move-chair").value), reason: $("move-reason").value });
  };
  $("move-start").focus();
}

/** Drag a booked bar to another time or chair: on release the engine is
 * asked (dry run) and its answer shown before anything is applied. */
function draggable(bar, s) {
  bar.addEventListener("pointerdown", (down) => {
    if (down.button !== 0) return;
    const lane = bar.parentElement;
    const startLeft = bar.offsetLeft;
    let moved = false;
    const onMove = (e) => {
      const dx = e.clientX - down.clientX;
      const dy = e.clientY - down.clientY;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 6) return;
      moved = true;
      bar.classList.add("dragging");
      bar.style.transform = `translate(${dx}px, ${dy}px)`;
    };
    const onUp = (e) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      if (!moved) return;
      bar.classList.remove("dragging");
      const sheet = board.sheet;
      const axis = axisOf(sheet);
      const grid = (sheet.grid_minutes || 15) * MINUTE;
      const x = startLeft + (e.clientX - down.clientX);
      const t = axis.from + (x / lane.clientWidth) * (axis.to - axis.from);
      const start = new Date(Math.round(t / grid) * grid).toISOString();
      const row = document.elementsFromPoint(e.clientX, e.clientY).map((el) => el.closest(".row[data-chair]")).find(Boolean);
      const chair = row ? Number(row.dataset.chair) : s.chair_id;
      showPanel(s);
      proposeMove(s, { to: { start }, chair_id: chair, reason: "moved on the board" });
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  });
}

// ---- The course timeline -------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svg(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

async function showCourse(id) {
  const reply = await api("GET", clinicPath(`/courses/${id}/timeline`));
  if (!reply.ok) {
    say(`The course could not be read: ${inWords(reply.json)}`);
    return;
  }
  clearInterval(board.poll);
  $("day-board").hidden = true;
  $("panel").hidden = true;
  $("course-view").hidden = false;
  drawCourse(reply.json);
  $("course-title").focus?.();
}

function drawCourse(t) {
  const c = t.course;
  $("course-title").textContent = `Course ${c.id} · ${t.protocol.name} · ${c.status}${c.at_risk ? " · AT RISK" : ""}`;
  const days = t.to_day - t.from_day + 1;
  const W = 960, gutter = 110, top = 34;
  const x = (day) => gutter + ((day - t.from_day) / days) * (W - gutter - 20);
  const rows = Math.max(1, ...t.phases.map((p) => p.index + 1), ...t.doses.map((d) => d.phase + 1));
  const perPhase = (i) => t.windows.filter((w) => w.phase === i).length;
  const rowH = (i) => 34 + 5 * perPhase(i);
  const rowTop = (i) => top + [...Array(i).keys()].reduce((sum, j) => sum + rowH(j), 0);
  const h = rowTop(rows) + 16;
  const root = svg("svg", { viewBox: `0 0 ${W} ${h}`, role: "img", "aria-label": `Course timeline: ${t.doses.length} sessions, ${t.windows.filter((w) => w.kept === false).length} windows broken` });
  for (let d = t.from_day; d <= t.to_day; d += 7) {
    root.append(svg("line", { x1: x(d), x2: x(d), y1: top - 12, y2: h - 8, stroke: "#c9ced6" }));
    root.append(svg("text", { x: x(d) + 3, y: top - 16 }, t.week_labels[(d - t.from_day) / 7] || ""));
  }
  for (const p of t.phases) {
    const y = rowTop(p.index);
    root.append(svg("rect", { class: "phase", x: x(p.from_day) - 6, y, width: Math.max(12, x(p.to_day + 1) - x(p.from_day)), height: rowH(p.index) - 6, fill: p.index % 2 ? "#eef3fb" : "#f3f5f8", stroke: "#c9ced6", rx: 4 }));
    root.append(svg("text", { x: 6, y: y + 18 }, p.name));
  }
  t.windows.forEach((w) => {
    const order = t.windows.filter((v) => v.phase === w.phase).indexOf(w);
    const y = rowTop(w.phase) + 28 + order * 5;
    const fill = w.kept === null ? "#4a5360" : w.kept ? "#1d5b28" : "#a4161a";
    const band = svg("rect", { class: `window${w.kept === false ? " broken" : ""}`, x: x(w.from_day), y, width: Math.max(3, x(w.to_day + 1) - x(w.from_day)), height: 3, fill });
    band.append(svg("title", {}, w.dose === 0 ? "the series' span" : `where dose ${w.dose} may fall${w.kept === false ? " — broken" : ""}`));
    root.append(band);
  });
  for (const d of t.doses) {
    const y = rowTop(d.phase) + 14;
    const colour = { completed: "#1d5b28", booked: "#0b3d91", checked_in: "#5c4300" }[d.status] || "#4a5360";
    const cx = x(d.day) + (x(d.day + 1) - x(d.day)) / 2;
    const mark = d.status === "cancelled" || d.status === "no_show" || d.status === "not_dosed"
      ? svg("path", { class: `dose ${d.status}`, d: `M${cx - 5} ${y - 5} L${cx + 5} ${y + 5} M${cx + 5} ${y - 5} L${cx - 5} ${y + 5}`, stroke: colour, "stroke-width": 2.5 })
      : svg("circle", { class: `dose ${d.status}`, cx, cy: y, r: 6, fill: d.status === "booked" ? "#ffffff" : colour, stroke: colour, "stroke-width": 2 });
    mark.append(svg("title", {}, `${d.date}: ${STATUS_WORDS[d.status]}`));
    root.append(mark);
  }
  $("timeline").replaceChildren(root);
  drawScores(t);
  $("spacing-history").replaceChildren(
    ...(t.spacing_history.length ? t.spacing_history : [{ text: "No change yet." }]).map((e) => {
      const li = document.createElement("li");
      li.textContent = e.text || `${e.at.slice(0, 10)}: every ${e.old_interval_days ?? "?"} → ${e.new_interval_days} days`;
      return li;
    }),
  );
}

function drawScores(t) {
  const s = t.scores;
  if (!s.points.length) {
    $("scores").textContent = "No scores recorded.";
    return;
  }
  const W = 960, H = 170;
  const max = Math.max(...s.points.map((p) => p.score), s.baseline || 0, 10);
  const x = (i) => 40 + (i / Math.max(1, s.points.length - 1)) * (W - 150);
  const y = (v) => H - 20 - (v / max) * (H - 40);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${s.instrument} scores: ${s.points.map((p) => p.score).join(", ")}` });
  const guide = (value, label, colour) => {
    if (value === null || value === undefined) return;
    root.append(svg("line", { x1: 40, x2: W - 105, y1: y(value), y2: y(value), stroke: colour, "stroke-dasharray": "4 3" }));
    root.append(svg("text", { x: W - 100, y: y(value) + 4 }, `${label} ${value}`));
  };
  guide(s.baseline, "baseline", "#4a5360");
  guide(s.response_at_most, "response", "#0b3d91");
  guide(s.remission_at_most, "remission", "#1d5b28");
  root.append(svg("polyline", { points: s.points.map((p, i) => `${x(i)},${y(p.score)}`).join(" "), fill: "none", stroke: "#1b1f24", "stroke-width": 2 }));
  s.points.forEach((p, i) => {
    root.append(svg("circle", { cx: x(i), cy: y(p.score), r: 4, fill: "#1b1f24" }));
    root.append(svg("text", { x: x(i) + 6, y: y(p.score) - 6 }, `${p.score} (${p.measured_at.slice(0, 10)})`));
  });
  $("scores").replaceChildren(root);
}

// ---- Start ----------------------------------------------------------------

window.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn(Number($("clinic-id").value), $("api-key").value.trim());
    $("api-key").value = "";
  });
  $("sign-out").addEventListener("click", signOut);
  $("day").addEventListener("change", () => showDay($("day").value));
  const shift = (n) => {
    const d = new Date(`${board.date}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    showDay(d.toISOString().slice(0, 10));
  };
  $("prev-day").addEventListener("click", () => shift(-1));
  $("next-day").addEventListener("click", () => shift(1));
  $("show-day").addEventListener("click", () => showDay(board.date));
  $("back-to-day").addEventListener("click", () => showDay(board.date));
  const wanted = new URLSearchParams(location.hash.slice(1)).get("date");
  if (wanted) board.date = wanted;
  const kept = sessionStorage.getItem(STORE);
  if (kept) {
    const { clinic, key } = JSON.parse(kept);
    signIn(clinic, key);
  }
});
