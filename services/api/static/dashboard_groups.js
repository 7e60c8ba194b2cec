// A breakdown of the area: its groups' uptake over a stated population, ranked by the gap.
"use strict";

const LAST_MARK = "†";
const NIMS_BREAKDOWNS = ["none", "age_band", "jcvi_age_band", "msoa"];
const SHORT_REASONS = {
  suppressed: SUPPRESSED,
  part_suppressed: SUPPRESSED,
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
      text += outside.vaccinated_outside_ages === 0
        ? " No one younger than that was vaccinated in the area, so they are counts of these ages."
        : ` ${fmt(outside.vaccinated_outside_ages)} people younger than that were vaccinated in the area.`;
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
    { title: "Group", value: (g) => groupName(g.label) + (g.population_estimated ? " *" : "") },
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

// A group blank on its table's last date: the last value published and its date, marked.
function lastPublished(g) {
  return el("span", { class: "last", title: `blank on ${g.date}: ${g.withheld_detail || ""}` },
    `${pct(g.last_published_uptake_percent)} on ${g.last_published_date} ${LAST_MARK}`);
}

const BLANK_NOTE = "A blank is a count of 1 to 7, or — far more often — a figure held back to " +
  "protect another published figure (most blanks are of the second kind). Never read a blank as 0.";

function blankNote(groups) {
  const last = groups.find((g) => g.uptake_percent === null && g.last_published_date);
  if (!last) return null;
  const when = last.date === dataEnd(state.release) ? "the release's last date" :
    "the last week end (these counts are published weekly)";
  return `${LAST_MARK} Blank on ${last.date}, ${when}: the last uptake published and its ` +
    `date are shown. ${BLANK_NOTE}`;
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
  // Counts published for week ends only (the fine ethnic tables, and the counts by age that
  // standardising needs) are of the last Sunday, not the release's last date: say so.
  const weekEnd = first && first.date && first.date !== dataEnd(state.release) ? first.date : null;
  const title = `${opts.title}, dose ${state.dose}, ${agesText(data.population.ages)}, ` +
    (weekEnd ? `week ending ${weekEnd}, ` : "") + `release ${state.release.id}`;
  barChart($(target), items, { title, percent: true, average });
  $(target + "-population").textContent = describePopulation(data.population, data.groups) +
    (opts.standardised ? ` Ranked by uptake standardised to ${data.standard_name}.` : "") +
    (weekEnd ? ` Figures of ${weekEnd}, the last week end: these counts are published weekly.` : "");
  table($(target + "-table"), groupColumns(opts.standardised), groups, title, blankNote(groups));
  return data;
}
