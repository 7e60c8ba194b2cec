// Council dashboard: plain JavaScript, inline SVG charts, no third-party code.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const STORE = "vaxshare.key";
const SUPPRESSED = "suppressed";
const state = { key: null, area: null, dose: "1", release: null };

const $ = (id) => document.getElementById(id);

function say(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function api(path, asText) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + state.key } });
  if (!res.ok) {
    let message = res.status + " " + res.statusText;
    try { message = (await res.json()).error.message; } catch (e) { /* not JSON */ }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return asText ? res : res.json();
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmt = (n) => (n === null || n === undefined ? "" : Number(n).toLocaleString("en-GB"));
const pct = (n) => (n === null || n === undefined ? "" : n.toFixed(1) + "%");

function shortLabel(label) {
  // "Black, Black British, ...: African" -> "Black: African"
  const parts = label.split(": ");
  const short = parts.length === 2 ? parts[0].split(/[ ,]/)[0] + ": " + parts[1] : label;
  return short.length > 36 ? short.slice(0, 34) + "…" : short;
}

function table(container, columns, rows, caption) {
  const t = el("table");
  t.appendChild(el("caption", { class: "help" }, caption));
  const head = el("tr");
  for (const c of columns) head.appendChild(el("th", { scope: "col", class: c.num ? "num" : "" }, c.title));
  t.appendChild(el("thead")).appendChild(head);
  const body = t.appendChild(el("tbody"));
  for (const r of rows) {
    const tr = body.appendChild(el("tr"));
    for (const c of columns) {
      const v = c.value(r);
      const td = el("td", { class: c.num ? "num" : "" });
      if (v === SUPPRESSED) td.appendChild(el("span", { class: "sup" }, SUPPRESSED));
      else td.textContent = v;
      tr.appendChild(td);
    }
  }
  container.replaceChildren(t);
}

function lineChart(container, series, title) {
  const W = 900, H = 300, L = 50, R = 20, T = 15, B = 40;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  svg.appendChild(svgEl("title", {}, title));
  const dates = series.length ? series[0].points.map((p) => p.date) : [];
  const x = (i) => L + (dates.length > 1 ? (i * (W - L - R)) / (dates.length - 1) : 0);
  const max = Math.max(10, ...series.flatMap((s) => s.points.map((p) => p.value || 0)));
  const top = Math.min(100, Math.ceil(max / 10) * 10);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (let v = 0; v <= top; v += top / 5) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v + "%"));
  }
  const ticks = Math.min(6, dates.length);
  for (let k = 0; k < ticks; k++) {
    const i = Math.round((k * (dates.length - 1)) / Math.max(1, ticks - 1));
    const anchor = k === 0 ? "start" : k === ticks - 1 ? "end" : "middle";
    svg.appendChild(svgEl("text", { x: x(i), y: H - B + 18, "text-anchor": anchor }, dates[i]));
  }
  svg.appendChild(svgEl("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  for (const s of series) {
    let d = "";
    let pen = "M";
    s.points.forEach((p, i) => {
      if (p.value === null) { pen = "M"; return; }  // a gap where the value is withheld
      d += `${pen}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
      pen = "L";
    });
    svg.appendChild(svgEl("path", { d, class: "line d" + s.dose }));
  }
  const keys = el("div", { class: "keys", "aria-hidden": "true" });
  for (const s of series) {
    const k = keys.appendChild(el("span"));
    k.appendChild(el("span", { class: "swatch d" + s.dose }));
    k.appendChild(document.createTextNode("Dose " + s.dose));
  }
  container.replaceChildren(keys, svg);
}

function barChart(container, items, opts) {
  const W = 900, row = 24, L = 260, R = 80, T = 10;
  const H = T + items.length * row + 30;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.title });
  svg.appendChild(svgEl("title", {}, opts.title));
  const max = Math.max(1, ...items.map((i) => i.value || 0), opts.average || 0);
  const scale = opts.percent ? Math.min(100, Math.ceil(max / 10) * 10) : max * 1.05;
  const x = (v) => L + ((W - L - R) * v) / scale;
  items.forEach((item, i) => {
    const yy = T + i * row;
    svg.appendChild(svgEl("text", { x: L - 8, y: yy + 16, "text-anchor": "end" }, item.label));
    if (item.value === null) {
      const note = item.suppressed ? SUPPRESSED : "no population to compare with";
      svg.appendChild(svgEl("text", { x: L + 4, y: yy + 16, class: item.suppressed ? "sup" : "" }, note));
      return;
    }
    const below = opts.average !== null && opts.average !== undefined && item.value < opts.average;
    svg.appendChild(svgEl("rect", { x: L, y: yy + 3, width: Math.max(1, x(item.value) - L),
      height: row - 6, class: below ? "bar below" : "bar" }));
    svg.appendChild(svgEl("text", { x: x(item.value) + 4, y: yy + 16 },
      opts.percent ? pct(item.value) : fmt(item.value)));
  });
  if (opts.average !== null && opts.average !== undefined) {
    const ax = x(opts.average);
    svg.appendChild(svgEl("line", { x1: ax, x2: ax, y1: T, y2: H - 25, class: "avg" }));
    svg.appendChild(svgEl("text", { x: ax, y: H - 8, "text-anchor": "middle" },
      "area average " + pct(opts.average)));
  }
  container.replaceChildren(svg);
}

const GROUP_COLUMNS = [
  { title: "Rank", value: (g) => (g.rank === null ? "" : String(g.rank)), num: true },
  { title: "Group", value: (g) => g.label },
  { title: "People vaccinated", value: (g) => (g.cumulative_suppressed ? SUPPRESSED : fmt(g.cumulative)), num: true },
  { title: "Population", value: (g) => (g.population === null ? "no denominator" : fmt(g.population)), num: true },
  { title: "Uptake", value: (g) => (g.uptake_percent === null ? (g.cumulative_suppressed ? SUPPRESSED : "") : pct(g.uptake_percent)), num: true },
  { title: "Gap to area (points)", value: (g) => (g.gap_percentage_points === null ? "" : g.gap_percentage_points.toFixed(1)), num: true },
];

async function showBreakdown(breakdown, target, opts) {
  const q = `breakdown=${breakdown}&dose=${state.dose}&release=${state.release.id}`;
  const data = await api(`/v1/areas/${state.area}/summary?${q}`);
  let groups = data.groups;
  const average = groups.length ? groups[0].area_uptake_percent : null;
  if (opts.inOrder) {
    groups = [...groups].sort((a, b) => a.group.localeCompare(b.group, "en", { numeric: true }));
  }
  const shown = opts.limit ? groups.slice(0, opts.limit) : groups;
  const items = shown.map((g) => ({
    label: shortLabel(g.label),
    suppressed: g.cumulative_suppressed,
    value: opts.byCount ? (g.cumulative_suppressed ? null : g.cumulative)
                        : (g.uptake_percent === null ? null : g.uptake_percent),
  }));
  const title = `${opts.title}, dose ${state.dose}, release ${state.release.id}`;
  barChart($(target), items, { title, percent: !opts.byCount, average: opts.byCount ? null : average });
  table($(target + "-table"), GROUP_COLUMNS, groups, title);
}

async function showTrend() {
  const q = `breakdown=none&dose=all&release=${state.release.id}`;
  const data = await api(`/v1/areas/${state.area}/vaccinations?${q}`);
  const series = [1, 2, 3].map((dose) => ({
    dose,
    points: data.rows.filter((r) => r.dose === dose).map((r) => ({ date: r.date, value: r.uptake_percent })),
  }));
  lineChart($("trend"), series, `Cumulative uptake by dose, ${data.area.name}, release ${data.release.id}`);
  const byDate = new Map();
  for (const r of data.rows) {
    if (!byDate.has(r.date)) byDate.set(r.date, { date: r.date });
    byDate.get(r.date)[r.dose] = r;
  }
  const cell = (d) => (r) => (!r[d] ? "" : r[d].cumulative_suppressed ? SUPPRESSED
    : `${fmt(r[d].cumulative)} (${pct(r[d].uptake_percent)})`);
  table($("trend-table"), [
    { title: "Date", value: (r) => r.date },
    { title: "Dose 1", value: cell(1), num: true },
    { title: "Dose 2", value: cell(2), num: true },
    { title: "Dose 3", value: cell(3), num: true },
  ], [...byDate.values()].reverse(), "People vaccinated (uptake) by date, newest first");
}

async function download(kind) {
  const base = `/v1/areas/${state.area}`;
  const path = kind === "trend"
    ? `${base}/vaccinations?breakdown=none&dose=all&format=csv&release=${state.release.id}`
    : `${base}/summary?breakdown=${kind}&dose=${state.dose}&format=csv&release=${state.release.id}`;
  try {
    const res = await api(path, true);
    const match = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
    const link = el("a", { href: URL.createObjectURL(await res.blob()), download: match ? match[1] : "vaxshare.csv" });
    document.body.appendChild(link);
    link.click();
    link.remove();
  } catch (e) {
    say("Download failed: " + e.message, true);
  }
}

async function render() {
  const area = [...$("area").options].find((o) => o.value === state.area);
  $("area-title").textContent = area ? area.textContent : state.area;
  const r = state.release;
  $("release").textContent = `Release ${r.id}: data to ${r.last_date} (as of ${r.as_of}), ` +
    `published ${r.published_at ? r.published_at.slice(0, 10) : "not yet"}; disclosure policy ${r.policy}.`;
  say("Loading…");
  try {
    await Promise.all([
      showTrend(),
      showBreakdown("ethnic_group_detailed", "ethnic", { title: "Uptake by ethnic group" }),
      showBreakdown("jcvi_age_band", "age", { title: "Uptake by age band", inOrder: true }),
      showBreakdown("imd_decile", "imd", { title: "People vaccinated by IMD decile", byCount: true, inOrder: true }),
      showBreakdown("msoa", "msoa", { title: "Lowest-uptake neighbourhoods", limit: 15 }),
    ]);
    say("");
    document.body.dataset.ready = "true";
  } catch (e) {
    say(e.message, true);
  }
}

async function signIn(key) {
  state.key = key;
  try {
    const me = await api("/v1/me");
    state.release = await api("/v1/releases/latest");
    const list = await api("/v1/areas");
    const full = list.areas.filter((a) => a.access === "full" && a.type !== "region");
    const own = me.full_access_areas === "all" ? full.filter((a) => a.type === "utla") : full;
    const select = $("area");
    select.replaceChildren(...own.map((a) => el("option", { value: a.code }, `${a.name} (${a.code})`)));
    state.area = own.length ? own[0].code : null;
    sessionStorage.setItem(STORE, key);
    $("login").hidden = true;
    $("view").hidden = false;
    say(`Signed in as ${me.name}.`);
    await render();
  } catch (e) {
    state.key = null;
    sessionStorage.removeItem(STORE);
    say(e.status === 401 ? "That key was not accepted: " + e.message : e.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    signIn($("key").value.trim());
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(STORE);
    state.key = null;
    $("view").hidden = true;
    $("login").hidden = false;
    $("key").value = "";
    say("Signed out.");
  });
  $("area").addEventListener("change", (ev) => { state.area = ev.target.value; render(); });
  for (const radio of document.querySelectorAll("input[name=dose]")) {
    radio.addEventListener("change", (ev) => { state.dose = ev.target.value; render(); });
  }
  for (const btn of document.querySelectorAll("button.download")) {
    btn.addEventListener("click", () => download(btn.dataset.kind));
  }
  const saved = sessionStorage.getItem(STORE);
  if (saved) signIn(saved);
});
