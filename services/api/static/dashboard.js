// Council dashboard: plain JavaScript, inline SVG charts, no third-party code.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const STORE = "vaxshare.key";
const SUPPRESSED = "blank";
const LAST_MARK = "†";
const state = { key: null, area: null, dose: "1", release: null, releases: [], ages: "16+", source: "", outreach: "" };

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

function table(container, columns, rows, caption, note) {
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
      if (v instanceof Node) td.appendChild(v);
      else if (v === SUPPRESSED) td.appendChild(el("span", { class: "sup" }, SUPPRESSED));
      else td.textContent = v;
      tr.appendChild(td);
    }
  }
  container.replaceChildren(t);
  if (note) container.appendChild(el("p", { class: "help" }, note));
  if (container.classList.contains("table-wrap")) {
    // It may scroll sideways on a phone: reachable and named for keyboard users.
    container.setAttribute("tabindex", "0");
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", caption);
  }
}

const chartWidth = (container) => Math.max(300, Math.min(1100, container.clientWidth || 900));

// Charts are drawn at their box's width, so their text keeps its size; when the window's width
// changes (a resize, a phone turned) each is drawn again from what it was drawn with.
const redraws = new Map();

function drawn(container, width, redraw) {
  container.dataset.drawnWidth = String(width);
  redraws.set(container, redraw);
}

function redrawCharts() {
  for (const [container, redraw] of redraws) {
    if (!container.isConnected || !container.clientWidth) continue;
    if (chartWidth(container) !== Number(container.dataset.drawnWidth)) redraw();
  }
}

let resizeTimer = null;
function onResize() {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(redrawCharts, 120);
}
window.addEventListener("resize", onResize);
window.addEventListener("orientationchange", onResize);

function lineChart(container, series, title, marker) {
  const W = chartWidth(container), H = W < 560 ? 240 : 300, L = 50, R = 20, T = 15, B = 40;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title });
  svg.appendChild(svgEl("title", {}, title));
  const dates = series.length ? series[0].points.map((p) => p.date) : [];
  const x = (i) => L + (dates.length > 1 ? (i * (W - L - R)) / (dates.length - 1) : 0);
  const max = Math.max(10, ...series.flatMap((s) => s.points.map((p) => p.value || 0)));
  const top = Math.ceil(max / 10) * 10;  // not capped: above 100% is drawn as it is
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (let v = 0; v <= top; v += top / 5) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v + "%"));
  }
  if (marker) {
    const at = (d) => { const i = dates.indexOf(d); return i < 0 ? null : x(i); };
    const from = at(marker.before) ?? x(0), to = at(marker.after) ?? x(dates.length - 1), mid = at(marker.date);
    if (mid !== null) {
      svg.appendChild(svgEl("rect", { x: from, y: T, width: Math.max(0, mid - from), height: H - T - B, class: "before" }));
      svg.appendChild(svgEl("rect", { x: mid, y: T, width: Math.max(0, to - mid), height: H - T - B, class: "after" }));
      svg.appendChild(svgEl("line", { x1: mid, x2: mid, y1: T, y2: H - B, class: "marker" }));
      svg.appendChild(svgEl("text", { x: mid, y: T + 12, "text-anchor": mid > W / 2 ? "end" : "start", dx: mid > W / 2 ? -4 : 4 }, "outreach " + marker.date));
    }
  }
  const ticks = Math.min(W < 560 ? 3 : 6, dates.length);
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
  drawn(container, W, () => lineChart(container, series, title, marker));
}

function barChart(container, items, opts) {
  const W = chartWidth(container), narrow = W < 560;
  // On a narrow screen each label sits above its bar, so bars keep the whole width.
  const row = narrow ? 40 : 24, off = narrow ? 16 : 0, L = narrow ? 4 : 260, R = narrow ? 90 : 120, T = 10;
  const H = T + items.length * row + 30;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": opts.title });
  svg.appendChild(svgEl("title", {}, opts.title));
  const max = Math.max(1, ...items.map((i) => i.value || 0), opts.average || 0);
  // Never capped: an uptake above 100% is drawn past the 100% line and marked.
  const scale = opts.percent ? Math.max(10, Math.ceil(max / 10) * 10) : max * 1.05;
  const x = (v) => L + ((W - L - R) * v) / scale;
  items.forEach((item, i) => {
    const yy = T + i * row;
    if (narrow) svg.appendChild(svgEl("text", { x: L, y: yy + 12 }, item.label));
    else svg.appendChild(svgEl("text", { x: L - 8, y: yy + 16, "text-anchor": "end" }, item.label));
    if (item.value === null) {
      const note = item.note || (item.suppressed ? SUPPRESSED : "no population to compare with");
      svg.appendChild(svgEl("text", { x: L + 4, y: yy + off + 16, class: item.suppressed ? "sup" : "muted" }, note));
      return;
    }
    const below = opts.average !== null && opts.average !== undefined && item.value < opts.average;
    const over = opts.percent && item.value > 100;
    svg.appendChild(svgEl("rect", { x: L, y: yy + off + 3, width: Math.max(1, x(item.value) - L),
      height: 18, class: (over ? "bar over" : below ? "bar below" : "bar") + (item.own ? " own" : "") }));
    svg.appendChild(svgEl("text", { x: x(item.value) + 4, y: yy + off + 16 },
      opts.percent ? pct(item.value) + (over ? " above 100%" : "") : fmt(item.value)));
  });
  if (opts.percent && scale > 100) {
    svg.appendChild(svgEl("line", { x1: x(100), x2: x(100), y1: T, y2: H - 25, class: "hundred" }));
  }
  if (opts.average !== null && opts.average !== undefined) {
    const ax = x(opts.average);
    svg.appendChild(svgEl("line", { x1: ax, x2: ax, y1: T, y2: H - 25, class: "avg" }));
    svg.appendChild(svgEl("text", { x: ax, y: H - 8, "text-anchor": "middle" },
      (opts.averageLabel || "area") + " " + pct(opts.average)));
  }
  container.replaceChildren(svg);
  drawn(container, W, () => barChart(container, items, opts));
}

const NIMS_BREAKDOWNS = ["none", "age_band", "jcvi_age_band", "msoa"];
const SHORT_REASONS = {
  suppressed: SUPPRESSED,
  part_suppressed: "part blank",
  count_not_published: "not published",
  count_published_for_week_ends: "weekly figures only",
  zero_population: "no residents",
  no_source: "no population",
  unsupported_age_range: "not for these ages",
  not_counted: "no population",
  outside_area: "outside the area",
  outside_age_range: "outside the chosen ages",
  partly_outside_age_range: "partly outside the chosen ages",
  missing_reference_data: "no population",
};

function populationQuery(breakdown) {
  const source = state.source && NIMS_BREAKDOWNS.includes(breakdown) ? `&source=${state.source}` : "";
  return `ages=${encodeURIComponent(state.ages)}${source}`;
}

function agesText(ages) {
  return ages === "all" ? "of all ages" : "aged " + ages;
}

function describePopulation(pop, groups) {
  let text = `Uptake of people ${agesText(pop.ages)}` +
    (pop.source_name ? `, over populations from ${pop.source_name}.` : ".");
  if (groups.some((g) => g.uptake_numerator_ages === "all")) {
    text += " These counts are of every age (they are not published by age).";
    const outside = groups.find((g) => g.vaccinated_outside_ages !== null && g.vaccinated_outside_ages !== undefined);
    if (outside) {
      text += ` ${fmt(outside.vaccinated_outside_ages)} people younger than that were vaccinated in the area.`;
    }
  }
  if (groups.some((g) => g.population_estimated)) {
    text += " * Population estimated from the census age structure of the wider ethnic group.";
  }
  return text;
}

function uptakeCell(percent, over) {
  if (percent === null || percent === undefined) return "";
  return pct(percent) + (over ? " (above 100%)" : "");
}

function groupColumns(standardised) {
  const columns = [
    { title: "Group", value: (g) => g.label + (g.population_estimated ? " *" : "") },
    { title: "People vaccinated", value: (g) => (g.uptake_numerator === null
      ? (g.cumulative_suppressed ? blankCell(g) : "") : fmt(g.uptake_numerator)), num: true },
    { title: "Population", value: (g) => (g.population === null ? "" :
      `${fmt(g.population)} (${g.population_ages}, ${g.population_source})`), num: true },
    { title: "Uptake", value: (g) => (g.uptake_percent !== null ? uptakeCell(g.uptake_percent, g.uptake_above_100)
      : g.last_published_date ? lastPublished(g) : g.withheld_reason === "suppressed" ? blankCell(g)
        : (SHORT_REASONS[g.withheld_reason] || "")), num: true },
  ];
  if (standardised) {
    columns.push({ title: "Age-standardised", value: (g) => (g.age_standardised_uptake_percent === null
      ? (SHORT_REASONS[g.age_standardised_withheld_reason] || "") : pct(g.age_standardised_uptake_percent)), num: true });
  }
  columns.push({ title: "Gap to area (points)", num: true, value: (g) => {
    const gap = standardised ? g.age_standardised_gap_percentage_points : g.gap_percentage_points;
    return gap === null ? "" : gap.toFixed(1);
  } });
  if (!standardised) {
    columns.push({ title: "Signal (funnel limits)", value: (g) => {
      const sig = signalOf(g.uptake_percent, g.population, g.area_uptake_percent);
      return sig ? sig.text : "";
    } });
  }
  // Uptake and gap come straight after the group, so they stay in view on a phone.
  const order = ["Group", "Uptake", "Age-standardised", "Gap to area (points)", "Signal (funnel limits)"];
  columns.sort((a, b) => {
    const ia = order.indexOf(a.title), ib = order.indexOf(b.title);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  columns.push({ title: "Rank", value: (g) => (g.rank === null ? "" : String(g.rank)), num: true });
  columns.push({ title: "Other source", value: (g) => (g.comparison_source === null ? "" :
    `${pct(g.comparison_uptake_percent)} of ${fmt(g.comparison_population)} (${g.comparison_source})`), num: true });
  return columns;
}

// A blank cell, with the reason in words where the API gives one.
function blankCell(g) {
  return el("span", { class: "sup", title: g.withheld_detail || "" }, SUPPRESSED);
}

// A group blank on the release's last date: the last value published and its date, marked.
function lastPublished(g) {
  return el("span", { class: "last", title: `blank on ${g.date}: ${g.withheld_detail || ""}` },
    `${pct(g.last_published_uptake_percent)} on ${g.last_published_date} ${LAST_MARK}`);
}

const BLANK_NOTE = "A blank is a count of 1 to 7, or — far more often — a figure held back to " +
  "protect another published figure (most blanks are of the second kind). Never read a blank as 0.";

function blankNote(groups) {
  const last = groups.find((g) => g.uptake_percent === null && g.last_published_date);
  return last ? `${LAST_MARK} Blank on ${last.date}, the release's last date: the last uptake ` +
    `published and its date are shown. ${BLANK_NOTE}` : null;
}

function showError(target, message) {
  $(target).replaceChildren(el("p", { class: "unavailable" }, "Not available: " + message));
  const tableBox = $(target + "-table");
  if (tableBox) tableBox.replaceChildren();
  $(target + "-population").textContent = "";
}

async function showBreakdown(breakdown, target, opts) {
  const standard = opts.standardised ? "&standard=area" : "";
  const q = `breakdown=${breakdown}&dose=${state.dose}&release=${state.release.id}&${populationQuery(breakdown)}${standard}`;
  let data;
  try {
    data = await api(`/v1/areas/${state.area}/summary?${q}`);
  } catch (e) {
    if (e.status === 400) { showError(target, e.message); return; }
    throw e;
  }
  let groups = data.groups;
  const first = groups.length ? groups[0] : null;
  const average = first === null ? null
    : opts.standardised ? first.area_age_standardised_uptake_percent : first.area_uptake_percent;
  if (opts.inOrder) {
    groups = [...groups].sort((a, b) => a.group.localeCompare(b.group, "en", { numeric: true }));
  }
  const shown = opts.limit ? groups.slice(0, opts.limit) : groups;
  const items = shown.map((g) => {
    const value = opts.standardised ? g.age_standardised_uptake_percent : g.uptake_percent;
    const reason = opts.standardised ? g.age_standardised_withheld_reason || g.withheld_reason : g.withheld_reason;
    return {
      label: shortLabel(g.label) + (g.population_estimated ? " *" : ""),
      suppressed: reason === "suppressed" || reason === "part_suppressed",
      note: (SHORT_REASONS[reason] || "no population to compare with") + (!opts.standardised && g.last_published_date
        ? ` on ${g.date}; ${pct(g.last_published_uptake_percent)} on ${g.last_published_date}` : ""),
      value: value === null ? null : value,
    };
  });
  const title = `${opts.title}, dose ${state.dose}, ${agesText(data.population.ages)}, release ${state.release.id}`;
  barChart($(target), items, { title, percent: true, average });
  $(target + "-population").textContent = describePopulation(data.population, data.groups) +
    (opts.standardised ? ` Ranked by uptake standardised to ${data.standard_name}.` : "");
  table($(target + "-table"), groupColumns(opts.standardised), groups, title, blankNote(groups));
  return data;
}

async function showTrend() {
  const q = `breakdown=none&dose=all&release=${state.release.id}&${populationQuery("none")}`;
  const data = await api(`/v1/areas/${state.area}/vaccinations?${q}`);
  const series = [1, 2, 3].map((dose) => ({
    dose,
    points: data.rows.filter((r) => r.dose === dose).map((r) => ({ date: r.date, value: r.uptake_percent })),
  }));
  const marker = state.outreach ? { date: state.outreach, before: addDays(state.outreach, -28), after: addDays(state.outreach, 28) } : null;
  lineChart($("trend"), series, `Cumulative uptake by dose, ${agesText(data.population.ages)}, ${data.area.name}, release ${data.release.id}`, marker);
  showOutreach(data, marker);
  $("trend-population").textContent = describePopulation(data.population, []);
  showHeadline(data);
  const byDate = new Map();
  for (const r of data.rows) {
    if (!byDate.has(r.date)) byDate.set(r.date, { date: r.date });
    byDate.get(r.date)[r.dose] = r;
  }
  const cell = (d) => (r) => (!r[d] ? "" : r[d].uptake_numerator === null
    ? (SHORT_REASONS[r[d].uptake_withheld_reason] || "")
    : `${fmt(r[d].uptake_numerator)} (${uptakeCell(r[d].uptake_percent, r[d].uptake_above_100)})`);
  table($("trend-table"), [
    { title: "Date", value: (r) => r.date },
    { title: "Dose 1", value: cell(1), num: true },
    { title: "Dose 2", value: cell(2), num: true },
    { title: "Dose 3", value: cell(3), num: true },
  ], [...byDate.values()].reverse(), `People vaccinated ${agesText(data.population.ages)} (uptake) by date, newest first`);
}

const addDays = (iso, days) => new Date(Date.parse(iso + "T00:00:00Z") + days * 864e5).toISOString().slice(0, 10);

// The four weeks before an outreach date against the four weeks after, per dose.
function showOutreach(data, marker) {
  const box = $("outreach-result");
  if (!marker) { box.textContent = ""; return; }
  const lines = [];
  for (const dose of [1, 2, 3]) {
    const at = (d) => data.rows.find((r) => r.dose === dose && r.date === d);
    const [a, b, c] = [at(marker.before), at(marker.date), at(marker.after)];
    const known = (r) => r && r.uptake_numerator !== null;
    if (!known(b)) continue;
    const part = (from, to, label) => (known(from) && known(to)
      ? `${fmt(to.uptake_numerator - from.uptake_numerator)} people (${(to.uptake_percent - from.uptake_percent).toFixed(1)} points) ${label}`
      : `not published ${label}`);
    lines.push(`Dose ${dose}: ${part(a, b, `in the four weeks before (${marker.before} to ${marker.date})`)}; ` +
      `${part(b, c, `in the four weeks after (to ${marker.after})`)}.`);
  }
  box.textContent = lines.length ? lines.join(" ") : `No published figures on ${marker.date} in this release.`;
}

function showHeadline(data) {
  const box = $("headline");
  const parts = [];
  for (const dose of [1, 2, 3]) {
    const rows = data.rows.filter((r) => r.dose === dose);
    if (!rows.length) continue;
    const last = rows[rows.length - 1];
    const shown = [...rows].reverse().find((row) => row.uptake_percent !== null);
    const p = el("p", { class: "figure", "data-dose": String(dose) });
    const name = ["", "First dose", "Second dose", "Third dose"][dose];
    if (!shown) {
      p.textContent = `${name}: ${SHORT_REASONS[last.uptake_withheld_reason] || "withheld"} on ${last.date}.`;
    } else {
      const r = shown;
      p.appendChild(el("strong", {}, `${name}: ${uptakeCell(r.uptake_percent, r.uptake_above_100)}`));
      p.appendChild(document.createTextNode(
        ` of ${fmt(r.population)} people ${agesText(r.population_ages)} ` +
        `(${data.population.source_name}) on ${r.date}: ${fmt(r.uptake_numerator)} vaccinated.`));
      if (r !== last) {
        p.appendChild(el("span", { class: "compare" },
          ` Later figures withheld (${SHORT_REASONS[last.uptake_withheld_reason] || "withheld"}).`));
      }
      if (r.comparison_source !== null) {
        p.appendChild(el("span", { class: "compare" },
          ` Over the ${r.comparison_source.toUpperCase()} population of ${fmt(r.comparison_population)}: ` +
          `${pct(r.comparison_uptake_percent)}.`));
      }
    }
    parts.push(p);
  }
  box.replaceChildren(...parts);
}

async function download(kind) {
  const base = `/v1/areas/${state.area}`;
  const path = kind === "trend"
    ? `${base}/vaccinations?breakdown=none&dose=all&format=csv&release=${state.release.id}&${populationQuery("none")}`
    : `${base}/summary?breakdown=${kind}&dose=${state.dose}&format=csv&release=${state.release.id}&${populationQuery(kind)}`;
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

// "2021-06-01T09:00:00+00:00" -> "2021-06-01 09:00 UTC" (the time as the release records it).
function publishedText(iso) {
  const offset = iso.slice(19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} ${offset === "+00:00" || offset === "Z" ? "UTC" : offset}`;
}

async function render() {
  const area = [...$("area").options].find((o) => o.value === state.area);
  $("area-title").textContent = area ? area.textContent : state.area;
  const r = state.release;
  $("release").textContent = `Release ${r.id}: data to ${r.as_of}` +
    (r.last_date && r.last_date !== r.as_of ? ` (last day counted ${r.last_date})` : "") + ", " +
    `published ${r.published_at ? publishedText(r.published_at) : "not yet"}; disclosure policy ${r.policy}.` +
    (r.rollback ? ` Its data end before those of release ${r.rollback.latest_id} (to ` +
      `${r.rollback.latest_as_of}), published earlier: ${r.rollback.reason}` : "");
  say("Loading…");
  delete document.body.dataset.ready;
  try {
    await Promise.all([
      showTrend(),
      showBreakdown("ethnic_group", "ethnic5", { title: "Age-standardised uptake by ethnic group", standardised: true }),
      showBreakdown("ethnic_group_detailed", "ethnic", { title: "Uptake by ethnic group" }),
      showBreakdown("age_band", "age", { title: "Uptake by age band", inOrder: true }),
      showBreakdown("sex", "sex", { title: "Uptake by sex", inOrder: true }),
      showBreakdown("imd_decile", "imd", { title: "Uptake by IMD decile", inOrder: true })
        .then((d) => d && showSlopeIndex(d)),
      showBreakdown("msoa", "msoa", { title: "Lowest-uptake neighbourhoods", limit: 15 })
        .then((d) => d && showNeighbourhoods(d)),
      showCompare(),
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
    await loadReleases();
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
  $("release-pick").addEventListener("change", (ev) => {
    state.release = state.releases.find((r) => String(r.id) === ev.target.value) || state.release;
    render();
  });
  $("outreach").addEventListener("change", (ev) => { state.outreach = ev.target.value; render(); });
  $("ages").addEventListener("change", (ev) => { state.ages = ev.target.value; render(); });
  $("source").addEventListener("change", (ev) => { state.source = ev.target.value; render(); });
  for (const radio of document.querySelectorAll("input[name=dose]")) {
    radio.addEventListener("change", (ev) => { state.dose = ev.target.value; render(); });
  }
  for (const btn of document.querySelectorAll("button.download")) {
    btn.addEventListener("click", () => download(btn.dataset.kind));
  }
  const saved = sessionStorage.getItem(STORE);
  if (saved) signIn(saved);
});


// --- Maps, funnel plot and the neighbours-and-England panel ---------------------------------

function msoaDescribe(g, populationText) {
  const name = `${g.label} (${g.group})`;
  if (g.uptake_percent === null) {
    return `${name}: withheld (${SHORT_REASONS[g.withheld_reason] || g.withheld_reason || "not published"})` +
      (g.last_published_date ? `; last published ${pct(g.last_published_uptake_percent)} on ${g.last_published_date}` : "") +
      (g.population ? `, population ${fmt(g.population)} ${populationText}` : "") + ".";
  }
  return `${name}: ${uptakeCell(g.uptake_percent, g.uptake_above_100)} uptake, ${fmt(g.uptake_numerator)} of ` +
    `${fmt(g.population)} people ${populationText}` +
    (g.gap_percentage_points === null ? "." : `; gap to the area ${g.gap_percentage_points.toFixed(1)} points.`);
}

async function showNeighbourhoods(msoaData) {
  const shapes = await boundaries(state.area);
  const groups = new Map(msoaData.groups.map((g) => [g.group, g]));
  const pop = msoaData.population;
  const populationText = `${agesText(pop.ages)} (${pop.source_name})`;
  const areaPercent = msoaData.groups.length ? msoaData.groups[0].area_uptake_percent : null;
  const rel = state.release;
  const items = shapes.msoa.areas.map((a) => {
    const g = groups.get(a.code) || { group: a.code, label: a.name, uptake_percent: null, withheld_reason: "not_counted" };
    return { code: a.code, name: a.name, path: a.path, value: g.uptake_percent, describe: () => msoaDescribe(g, populationText) };
  });
  const title = `Dose ${state.dose} uptake by neighbourhood, ${shapes.name}, release ${rel.id}`;
  choropleth($("msoamap"), $("msoamap-readout"), shapes.msoa, items, {
    title,
    legendTitle: `Dose ${state.dose} uptake of people ${populationText}; release ${rel.id}, data to ${rel.last_date || rel.as_of}. Darker is lower.`,
    hint: "Tab to or hover over a neighbourhood to read its uptake, population and any reason it is withheld.",
  });
  $("msoamap-population").textContent = `Area uptake ${pct(areaPercent)}. ` + describePopulation(pop, msoaData.groups);

  const points = msoaData.groups.map((g) => ({ code: g.group, label: g.label, uptake: g.uptake_percent,
    population: g.population, signal: signalOf(g.uptake_percent, g.population, areaPercent), g }));
  const focus = (code) => {
    const p = points.find((q) => q.code === code);
    $("funnel-readout").textContent = p ? msoaDescribe(p.g, populationText) + ` ${p.signal ? "Signal: " + p.signal.text + "." : ""}` : "";
  };
  if (areaPercent !== null) {
    funnelChart($("funnel"), points, areaPercent, `Funnel plot: neighbourhood uptake against population, release ${rel.id}`, focus);
  }
  const below = points.filter((p) => p.signal && (p.signal.flag === "below" || p.signal.flag === "below95"))
    .sort((a, b) => a.signal.z - b.signal.z);
  $("funnel-summary").textContent = below.length
    ? `${below.length} of ${points.length} neighbourhoods are significantly below the area's ${pct(areaPercent)}: ` +
      below.slice(0, 5).map((p) => `${p.label} ${pct(p.uptake)} (${p.signal.text})`).join("; ") + "."
    : `No neighbourhood is significantly below the area's ${pct(areaPercent)}.`;
  const sorted = [...points].sort((a, b) => (a.signal ? a.signal.z : 99) - (b.signal ? b.signal.z : 99));
  table($("funnel-table"), [
    { title: "Neighbourhood", value: (p) => `${p.label} (${p.code})` },
    { title: "Uptake", value: (p) => (p.uptake !== null ? pct(p.uptake) : p.g.last_published_date ? lastPublished(p.g)
      : (SHORT_REASONS[p.g.withheld_reason] || "withheld")), num: true },
    { title: "Gap (points)", value: (p) => (p.g.gap_percentage_points === null ? "" : p.g.gap_percentage_points.toFixed(1)), num: true },
    { title: "Signal", value: (p) => (p.signal ? p.signal.text : "") },
    { title: "Population", value: (p) => fmt(p.population), num: true },
    { title: "z", value: (p) => (p.signal ? p.signal.z.toFixed(1) : ""), num: true },
  ], sorted, `Every neighbourhood, furthest below the area first (dose ${state.dose}, ${populationText})`,
  blankNote(msoaData.groups));
}

function showSlopeIndex(imdData) {
  const deciles = imdData.groups.map((g) => ({ decile: Number(g.group), uptake: g.uptake_percent, population: g.population || 0 }));
  const sii = slopeIndex(deciles);
  $("imd-sii").textContent = !sii ? "Too few deciles are published for a slope index of inequality." :
    `Slope index of inequality: ${sii.slope.toFixed(1)} points (95% interval ${sii.low.toFixed(1)} to ` +
    `${sii.high.toFixed(1)}), from ${sii.used} published deciles: the modelled gap in uptake between ` +
    `the least and the most deprived residents. ` +
    (sii.low > 0 ? "Uptake rises significantly with affluence. " : sii.high < 0 ? "Uptake falls significantly with affluence. " : "") +
    "Method: uptake regressed on each decile's mid-point in the population ranked from most to least " +
    "deprived, weighted by population; published figures only.";
}

function releaseText(r) {
  return `Release ${r.id}, data to ${r.last_date || r.as_of}`;
}

async function loadReleases() {
  const list = await api("/v1/releases");
  state.releases = list.releases || [];
  const pick = $("release-pick");
  pick.replaceChildren(...state.releases.map((r) => el("option", { value: String(r.id) },
    releaseText(r) + (r.id === state.release.id ? " (latest)" : ""))));
  pick.value = String(state.release.id);
}
