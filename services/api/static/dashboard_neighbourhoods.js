// The neighbourhoods: a map of their uptake, the funnel plot and the slope index.
"use strict";

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
    legendTitle: `Dose ${state.dose} uptake of people ${populationText}; release ${rel.id}, data to ${dataEnd(rel)}. Darker is lower.`,
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
  $("funnel-readout").textContent = "Tab to or hover over a dot to read its neighbourhood's figures.";
  const below = points.filter((p) => p.signal && (p.signal.flag === "below" || p.signal.flag === "below95"))
    .sort((a, b) => a.signal.z - b.signal.z);
  $("funnel-summary").textContent = below.length
    ? `${below.length} of ${points.length} neighbourhoods are significantly below the area's ${pct(areaPercent)} ` +
      `(${below.filter((p) => p.signal.flag === "below").length} outside the 99.8% limits); the clearest first: ` +
      below.slice(0, 5).map((p) => `${p.label} ${pct(p.uptake)}` + (p.signal.flag === "below95" ? " (95% limits only)" : ""))
        .join(", ") + "."
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
    "deprived (every decile with residents keeps its place, withheld or not), weighted by " +
    "population; published figures only, withheld uptakes left out of the fit.";
}
