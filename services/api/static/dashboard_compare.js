// The neighbours-and-England panel: the area's headline uptake beside its region's districts,
// the region and England, from /v1/headlines (one call per area type and metric).
"use strict";

const ENGLAND = "E92000001";
// Other councils' headline counts are of every age (they are not published by age), so every
// area in the panel, the council's own included, is over its population of every age.
const COMPARE_AGES = "all";

// The release's last date: one date's figures for every area of a type.
const NOT_PUBLISHED = "not published";
const NONE_RECORDED = "none recorded";
const NOTE_WORDS = {
  [NOT_PUBLISHED]: "no figures in this release",
  [NONE_RECORDED]: "no vaccinations recorded in this release",
};

// {code -> {code, name, uptake row, count row}} for every area of a type, plus the codes the
// release holds no headline for.
async function headlinesOf(areaType) {
  const q = `area_type=${areaType}&dose=${state.dose}&date=${dataEnd(state.release)}` +
    `&ages=${COMPARE_AGES}&release=${state.release.id}`;
  const [uptake, counts] = await Promise.all([
    api(`/v1/headlines?${q}&metric=uptake_percent`),
    api(`/v1/headlines?${q}&metric=cumulative`),
  ]);
  const by = new Map();
  for (const r of uptake.rows) by.set(r.area_code, { code: r.area_code, name: r.area_name, type: areaType, uptake: r });
  for (const r of counts.rows) if (by.has(r.area_code)) by.get(r.area_code).count = r;
  for (const code of uptake.not_published) by.set(code, { code, name: null, type: areaType, missing: true });
  return { by, population: uptake.population };
}

// What the panel can say of one area: its uptake, or why it has none.
function standing(h) {
  if (!h || h.missing) return { value: null, note: NOT_PUBLISHED };
  if (h.count && h.count.value === 0) return { value: null, note: NONE_RECORDED };
  if (h.uptake.value === null) {
    return { value: null, note: "blank: " + (SHORT_REASONS[h.uptake.uptake_withheld_reason] || "withheld") };
  }
  return { value: h.uptake.value, note: null };
}

const hasData = (h) => standing(h).value !== null;

async function showCompare() {
  const shapes = await boundaries(state.area);
  const own = await api(`/v1/areas/${state.area}`);
  const types = ["ltla", "region", "country"];
  if (own.type !== "ltla" && !types.includes(own.type)) types.push(own.type);
  const found = await Promise.all(types.map(headlinesOf));
  const by = new Map();
  for (const f of found) for (const [code, h] of f.by) if (!by.has(code)) by.set(code, h);
  const sourceName = (found[0].population && found[0].population.source_name) || "ONS mid-2020 estimates";
  const ltlas = found[0].by;
  const rel = state.release, day = dataEnd(rel);
  const nameOf = (code, fallback) => (by.get(code) && by.get(code).name) || fallback || code;
  const ownLtlas = new Set(own.ltla_codes);
  const districts = shapes.ltla.areas.map((a) => ({ ...(by.get(a.code) || { code: a.code, missing: true }), name: a.name }));

  // Where only some districts have any vaccinations (a partial feed), a region's or England's
  // total counts those districts only: say so rather than let it read as a low uptake.
  const recorded = (h) => !h.missing && !(h.count && h.count.value === 0);
  const withData = (list) => list.filter(recorded).length;
  const regionCover = { shown: withData(districts), of: districts.length };
  const englandCover = { shown: withData([...ltlas.values()]), of: ltlas.size };
  const coverage = (code) => {
    const c = code === ENGLAND ? englandCover : code === shapes.region.code ? regionCover : null;
    return c && c.shown < c.of ? ` (${c.shown} of ${c.of} districts only)` : "";
  };
  const text = (h) => {
    const s = standing(h);
    if (s.value === null) return NOTE_WORDS[s.note] ? `${s.note}: ${NOTE_WORDS[s.note]}` : s.note;
    return `${pct(s.value)} of ${fmt(h.uptake.population)} people of all ages` +
      (h.count && h.count.value !== null ? ` (${fmt(h.count.value)} vaccinated)` : "") + ` on ${h.uptake.date}`;
  };

  const items = districts.map((h) => ({ code: h.code, name: h.name, path: shapes.ltla.areas.find((a) => a.code === h.code).path,
    value: standing(h).value,
    describe: () => `${h.name} (${h.code})${ownLtlas.has(h.code) ? ", your area" : ""}: dose ${state.dose} ${text(h)}.` }));
  choropleth($("regionmap"), $("regionmap-readout"), shapes.ltla, items, {
    title: `Dose ${state.dose} uptake of every age in the ${shapes.region.name} region's districts, release ${rel.id}`,
    legendTitle: `Headline dose ${state.dose} uptake of people of all ages over ${sourceName}; release ${rel.id}, data to ${day}. Your area is outlined.`,
    hint: "Tab to or hover over a district to read its headline uptake.",
    highlight: ownLtlas.size === 1 ? [...ownLtlas][0] : null,
    blankText: "no figures (hover or focus for why)",
  });

  const mine = { ...(by.get(state.area) || { code: state.area, missing: true }), name: nameOf(state.area, own.name) };
  const region = { ...(by.get(shapes.region.code) || { code: shapes.region.code, missing: true }), name: shapes.region.name };
  const england = { ...(by.get(ENGLAND) || { code: ENGLAND, missing: true }), name: nameOf(ENGLAND, "England") };
  const ranked = districts.filter(hasData).sort((a, b) => standing(a).value - standing(b).value);
  const ownValue = standing(mine).value;
  const place = ownValue !== null && ranked.some((h) => h.code === state.area)
    ? ranked.filter((h) => standing(h).value < ownValue).length + 1 : null;
  const without = districts.filter((h) => !hasData(h));
  $("compare-summary").textContent = place
    ? `${mine.name}: ${pct(ownValue)} of all ages, ranked ${place} of the ${ranked.length} districts with ` +
      `figures in ${shapes.region.name} (1 = lowest uptake).` : "";
  $("compare-population").textContent =
    `Headline dose ${state.dose} uptake of people of all ages over ${sourceName}, on ${day}, for your area, ` +
    "its neighbours, the region and England alike: other councils' figures are published for every age " +
    "only, so this panel uses all ages throughout (lower than an uptake of adults). " +
    (without.length ? `${without.length} of the region's ${districts.length} districts have no uptake to compare ` +
      `(${summariseNotes(without)}): they are hatched on the map and listed last. ` : "") +
    (coverage(ENGLAND) ? `The totals of ${coverage(shapes.region.code) ? shapes.region.name + " and " : ""}England ` +
      `count only the districts with vaccinations recorded (${englandCover.shown} of ${englandCover.of} in ` +
      "England), so they are not comparable with a district's uptake (grey bars)." : "");

  const rows = [mine, region, england, ...ranked.filter((h) => h.code !== state.area), ...without.filter((h) => h.code !== state.area)];
  const label = (h) => shortLabel(h.name) + coverage(h.code);
  barChart($("compare"), [mine, region, england, ...ranked.filter((h) => h.code !== state.area)].map((h) => ({
    label: label(h), value: standing(h).value, note: standing(h).note, own: h.code === state.area,
    partial: coverage(h.code) !== "" })),
  { title: `Headline dose ${state.dose} uptake of all ages: your area, its region, England and its neighbours, release ${rel.id}`,
    percent: true, average: ownValue, averageLabel: "your area" });
  table($("compare-table"), [
    { title: "Area", value: (h) => `${h.name}${h.code === state.area ? " (your area)" : ""}${coverage(h.code)}` },
    { title: "Uptake", value: (h) => (standing(h).value === null ? standing(h).note : pct(standing(h).value)), num: true },
    { title: "Gap (points)", value: (h) => (standing(h).value !== null && ownValue !== null ? (standing(h).value - ownValue).toFixed(1) : ""), num: true },
    { title: "People vaccinated", value: (h) => (h.count && h.count.value !== null ? fmt(h.count.value) : ""), num: true },
    { title: `Population (all ages, ${sourceName})`, value: (h) => (h.uptake && h.uptake.population !== null ? fmt(h.uptake.population) : ""), num: true },
  ], rows, `Headline dose ${state.dose} uptake of all ages on ${day}, release ${rel.id}; gap is to your area`);
}

// "no vaccinations recorded in this release", or "7: no figures in this release; 18: ..."
function summariseNotes(list) {
  const counts = new Map();
  for (const h of list) { const n = standing(h).note; counts.set(n, (counts.get(n) || 0) + 1); }
  const words = (note) => NOTE_WORDS[note] || note;
  if (counts.size === 1) return words([...counts.keys()][0]);
  return [...counts].map(([note, n]) => `${n}: ${words(note)}`).join("; ");
}
