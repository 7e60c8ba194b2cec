// Charts and tables drawn as plain SVG and HTML from published figures (no third-party code).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const SUPPRESSED = "blank";

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

// "Black, Black British, ...: African" -> "Black: African" (the 2021 census's detailed groups)
function groupName(label) {
  const parts = label.split(": ");
  return parts.length === 2 ? parts[0].split(/[ ,]/)[0] + ": " + parts[1] : label;
}

function shortLabel(label) {
  const short = groupName(label);
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

// A step for a percentage axis that reads easily: 2, 5, 10, 20 or 25 points.
const niceStep = (rough) => [2, 5, 10, 20, 25].find((s) => s >= rough) || 50;

function lineChart(container, series, title, marker) {
  const W = chartWidth(container), H = W < 560 ? 240 : 300, L = 50, R = 20, T = 15, B = 40;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": title });
  svg.appendChild(svgEl("title", {}, title));
  const dates = series.length ? series[0].points.map((p) => p.date) : [];
  const x = (i) => L + (dates.length > 1 ? (i * (W - L - R)) / (dates.length - 1) : 0);
  const max = Math.max(10, ...series.flatMap((s) => s.points.map((p) => p.value || 0)));
  const step = niceStep(max / 5);
  const top = Math.ceil(max / step) * step;  // not capped: above 100% is drawn as it is
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (let v = 0; v <= top; v += step) {
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
      height: 18, class: (item.partial ? "bar partial" : over ? "bar over" : below ? "bar below" : "bar") +
        (item.own ? " own" : "") }));
    svg.appendChild(svgEl("text", { x: x(item.value) + 4, y: yy + off + 16, class: "value" },
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
