// Council dashboard: plain JavaScript, inline SVG charts, no third-party code.
"use strict";

const STORE = "vaxshare.key";
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
      p.textContent = `${name}: no figure published in this release (blank on ${last.date}).`;
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
  $("release").textContent = `Release ${r.id}: data to ${dataEnd(r)}, ` +
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


// The one date a release's data end on, wherever the page names it: the last day counted.
function dataEnd(release) {
  return release.last_date || release.as_of;
}

function releaseText(r) {
  return `Release ${r.id}, data to ${dataEnd(r)}`;
}

async function loadReleases() {
  const list = await api("/v1/releases");
  state.releases = list.releases || [];
  const pick = $("release-pick");
  pick.replaceChildren(...state.releases.map((r) => el("option", { value: String(r.id) },
    releaseText(r) + (r.id === state.release.id ? " (latest)" : ""))));
  pick.value = String(state.release.id);
}
