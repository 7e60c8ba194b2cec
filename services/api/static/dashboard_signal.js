// "Signal, not noise": which neighbourhoods and groups are significantly below the area.
// Computed in the page from published (rounded, disclosure-controlled) figures only.
"use strict";

// Two-sided z for 95% and 99.8% control limits (the public-health funnel plot convention).
const Z95 = 1.959964;
const Z998 = 3.090232;

// How far a proportion p of n people lies from the area's proportion p0, in standard errors
// of a binomial proportion with the area's rate (the funnel plot's own measure).
function zScore(p, n, p0) {
  if (!n || p0 <= 0 || p0 >= 1) return null;
  return (p - p0) / Math.sqrt((p0 * (1 - p0)) / n);
}

// "below (99.8%)", "below (95%)", "above (95%)"... or "within the limits".
function signalOf(uptakePercent, population, areaPercent) {
  if (uptakePercent === null || uptakePercent === undefined || !population || areaPercent === null) return null;
  const z = zScore(uptakePercent / 100, population, areaPercent / 100);
  if (z === null) return null;
  if (z <= -Z998) return { z, flag: "below", text: "below (99.8% limit)" };
  if (z <= -Z95) return { z, flag: "below95", text: "below (95% limit)" };
  if (z >= Z998) return { z, flag: "above", text: "above (99.8% limit)" };
  if (z >= Z95) return { z, flag: "above95", text: "above (95% limit)" };
  return { z, flag: "within", text: "within the limits" };
}

// Slope index of inequality across deprivation deciles: each decile placed at the midpoint of
// its share of the population ranked from most deprived (0) to least deprived (1); uptake
// regressed on that rank weighted by population. The slope is the modelled gap (points)
// between the least and the most deprived end. Every decile with residents takes its place in
// the ranking, published or not (a withheld uptake does not move where its people stand), but
// only published uptakes are fitted. Its standard error treats each decile's uptake as binomial
// with its own rate (a sandwich estimator for the population-weighted slope).
function slopeIndex(deciles) {
  const ranked = deciles.filter((d) => d.population > 0).sort((a, b) => a.decile - b.decile);
  const total = ranked.reduce((s, d) => s + d.population, 0);
  let cum = 0;
  const placed = ranked.map((d) => {
    const rank = (cum + d.population / 2) / total;
    cum += d.population;
    return { ...d, rank };
  });
  const used = placed.filter((d) => d.uptake !== null && d.uptake !== undefined);
  if (used.length < 3) return null;
  const weight = used.reduce((s, d) => s + d.population, 0);
  const xbar = used.reduce((s, d) => s + d.population * d.rank, 0) / weight;
  const ybar = used.reduce((s, d) => s + d.population * d.uptake, 0) / weight;
  const sxx = used.reduce((s, d) => s + d.population * (d.rank - xbar) ** 2, 0);
  const sxy = used.reduce((s, d) => s + d.population * (d.rank - xbar) * (d.uptake - ybar), 0);
  const slope = sxy / sxx;
  const variance = used.reduce((s, d) => {
    const p = Math.min(Math.max(d.uptake / 100, 0), 1);
    return s + (d.population * (d.rank - xbar)) ** 2 * (p * (1 - p) / d.population) * 1e4;
  }, 0) / (sxx * sxx);
  const se = Math.sqrt(variance);
  return { slope, low: slope - Z95 * se, high: slope + Z95 * se, used: used.length,
    intercept: ybar - slope * xbar };
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// Funnel plot: each neighbourhood's uptake against its population, with the limits around the
// area's uptake. points: [{code, label, uptake, population, signal}]
function funnelChart(container, points, areaPercent, title, onFocus) {
  const W = chartWidth(container);
  const H = W < 560 ? 300 : 340;
  const L = 48, R = 12, T = 12, B = 42;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": title });
  svg.appendChild(svgEl("title", {}, title));
  const shown = points.filter((p) => p.uptake !== null && p.population > 0);
  const maxN = niceCeil(Math.max(100, ...shown.map((p) => p.population)) * 1.05);
  const p0 = areaPercent / 100;
  const limit = (z, n) => 100 * (p0 + z * Math.sqrt((p0 * (1 - p0)) / n));
  const nMin = maxN / 60;
  const ys = shown.map((p) => p.uptake).concat([limit(-Z998, nMin), limit(Z998, nMin)]);
  const lo = Math.max(0, Math.floor(Math.min(...ys) / 5) * 5);
  const hi = Math.ceil(Math.max(...ys) / 5) * 5;
  const x = (n) => L + ((W - L - R) * n) / maxN;
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / Math.max(1, hi - lo));
  const step = niceCeil((hi - lo) / 5);
  for (let v = lo; v <= hi + 1e-9; v += step) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v + "%"));
  }
  for (let k = 0; k <= 4; k++) {
    const n = (maxN * k) / 4;
    svg.appendChild(svgEl("text", { x: x(n), y: H - B + 16, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" }, fmt(n)));
  }
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "Population of the neighbourhood"));
  svg.appendChild(svgEl("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  for (const [z, cls] of [[Z95, "lim95"], [-Z95, "lim95"], [Z998, "lim998"], [-Z998, "lim998"]]) {
    let d = "";
    for (let i = 0; i <= 60; i++) {
      const n = nMin + ((maxN - nMin) * i) / 60;
      const v = Math.min(hi, Math.max(lo, limit(z, n)));
      d += `${i ? "L" : "M"}${x(n).toFixed(1)},${y(v).toFixed(1)}`;
    }
    svg.appendChild(svgEl("path", { d, class: "limit " + cls }));
  }
  svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(areaPercent), y2: y(areaPercent), class: "avg" }));
  for (const p of shown) {
    const flag = p.signal ? p.signal.flag : "within";
    const dot = svgEl("circle", { cx: x(p.population).toFixed(1), cy: y(p.uptake).toFixed(1),
      r: 6, class: "dot " + flag, tabindex: "0", role: "img",
      "aria-label": `${p.label}: ${pct(p.uptake)} of ${fmt(p.population)}, ${p.signal ? p.signal.text : ""}` });
    dot.addEventListener("mouseenter", () => onFocus(p.code));
    dot.addEventListener("focus", () => onFocus(p.code));
    svg.appendChild(dot);
  }
  const keys = el("div", { class: "keys" });
  keys.appendChild(el("span", { class: "key-limit lim95" }, "95% limits"));
  keys.appendChild(el("span", { class: "key-limit lim998" }, "99.8% limits"));
  keys.appendChild(el("span", { class: "key-limit avgkey" }, `area ${pct(areaPercent)}`));
  keys.appendChild(el("span", { class: "key-dot below" }, "below 99.8%"));
  keys.appendChild(el("span", { class: "key-dot below95" }, "below 95%"));
  keys.appendChild(el("span", { class: "key-dot within" }, "within"));
  keys.appendChild(el("span", { class: "key-dot above" }, "above 95%"));
  container.replaceChildren(keys, svg);
  drawn(container, W, () => funnelChart(container, points, areaPercent, title, onFocus));
}
