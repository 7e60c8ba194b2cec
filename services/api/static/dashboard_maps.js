// Choropleth maps drawn as plain SVG from boundary paths the service projects (no tiles, no CDN).
"use strict";

// Five classes from the viridis scale: ordered in lightness, readable with any colour vision.
const CLASS_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

// Class breaks over the values shown: equal steps between whole-percent bounds.
function classesFor(values) {
  const shown = values.filter((v) => v !== null && v !== undefined);
  if (!shown.length) return [];
  const lo = Math.floor(Math.min(...shown));
  const hi = Math.max(lo + 5, Math.ceil(Math.max(...shown)));
  const step = (hi - lo) / CLASS_COLOURS.length;
  return CLASS_COLOURS.map((colour, i) => ({ colour, from: lo + i * step, to: lo + (i + 1) * step }));
}

function colourOf(classes, value, hatch) {
  if (value === null || value === undefined) return `url(#${hatch})`;
  const found = classes.find((c) => value < c.to) || classes[classes.length - 1];
  return found.colour;
}

function hatchDefs(id) {
  const defs = svgEl("defs");
  const pattern = defs.appendChild(svgEl("pattern", { id, width: 8, height: 8,
    patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }));
  pattern.appendChild(svgEl("rect", { width: 8, height: 8, fill: "#f3f2f1" }));
  pattern.appendChild(svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#6f777b", "stroke-width": 3 }));
  return defs;
}

// A map of areas. items: [{code, name, path, value, describe}] where describe() is the
// sentence shown when the area is hovered or focused; highlight: a code drawn with a thick edge.
function choropleth(container, readout, layer, items, opts) {
  const classes = classesFor(items.map((i) => i.value));
  const svg = svgEl("svg", { viewBox: layer.view_box, role: "group", "aria-label": opts.title,
    class: "map" });
  svg.appendChild(svgEl("title", {}, opts.title));
  const hatch = container.id + "-hatch";
  svg.appendChild(hatchDefs(hatch));
  const show = (item, node, raise) => {
    for (const n of svg.querySelectorAll(".area.active")) n.classList.remove("active");
    node.classList.add("active");
    if (raise) svg.appendChild(node);  // on top, so its outline is whole (never on focus: moving blurs)
    readout.textContent = item.describe();
  };
  const ordered = [...items].sort((a, b) => (a.code === opts.highlight) - (b.code === opts.highlight));
  for (const item of ordered) {
    const node = svgEl("path", { d: item.path, fill: colourOf(classes, item.value, hatch),
      class: "area" + (item.code === opts.highlight ? " own" : ""), tabindex: "0", role: "img",
      "aria-label": item.describe(), "data-code": item.code });
    node.appendChild(svgEl("title", {}, item.describe()));
    // While an area has keyboard focus it keeps the readout (scrolling moves the map under a
    // resting pointer); a click moves the focus, and with it the readout.
    node.addEventListener("mouseenter", () => {
      if (!svg.contains(document.activeElement)) show(item, node, true);
    });
    node.addEventListener("focus", () => show(item, node, false));
    svg.appendChild(node);
  }
  const legend = el("div", { class: "map-legend" });
  legend.appendChild(el("p", { class: "help" }, opts.legendTitle));
  const list = legend.appendChild(el("ul", { class: "swatches" }));
  for (const c of classes) {
    const li = list.appendChild(el("li"));
    const sw = li.appendChild(svgEl("svg", { width: 18, height: 14, "aria-hidden": "true" }));
    sw.appendChild(svgEl("rect", { width: 18, height: 14, fill: c.colour }));
    li.appendChild(document.createTextNode(`${c.from.toFixed(1)}% to ${c.to.toFixed(1)}%`));
  }
  const li = list.appendChild(el("li"));
  const sw = li.appendChild(svgEl("svg", { width: 18, height: 14, "aria-hidden": "true" }));
  sw.appendChild(svgEl("rect", { width: 18, height: 14, fill: `url(#${hatch})` }));
  li.appendChild(document.createTextNode(opts.blankText || "withheld (hover or focus for the reason)"));
  container.replaceChildren(svg, legend);
  readout.textContent = opts.hint;
}

const mapCache = new Map();

async function boundaries(code) {
  if (!mapCache.has(code)) {
    const res = await fetch(`/dashboard/maps/${code}`);
    if (!res.ok) throw new Error("The map's boundaries could not be loaded.");
    mapCache.set(code, await res.json());
  }
  return mapCache.get(code);
}
