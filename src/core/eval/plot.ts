/**
 * Accuracy versus response tokens as a standalone SVG, like the E1 paper's figure: one line per model, one point per
 * budget, labelled. Pure string building; every text is escaped. No scripts, no external references, so the file is
 * safe to open in a webview or a browser.
 */

export interface PlotPoint {
    readonly x: number;
    readonly y: number;
    readonly label: string;
}

export interface PlotSeries {
    readonly name: string;
    readonly points: readonly PlotPoint[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Font size of point labels and the legend, and the width of a character estimated from it (sans-serif digits). */
export const LABEL_FONT_SIZE = 12;
const CHAR_WIDTH = 0.62;

/** A text's box, estimated from its font size (no text metrics without a browser): x, y of the top left corner. */
export interface Box {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
}

/** The box of a text of `n` characters drawn at (x, baseline y) with `anchor`, estimated from the font size. */
export function textBox(n: number, x: number, y: number, anchor: "start" | "middle" | "end", fontSize = LABEL_FONT_SIZE): Box {
    const w = n * fontSize * CHAR_WIDTH;
    const left = anchor === "start" ? x : anchor === "middle" ? x - w / 2 : x - w;
    // Ascent about 0.8 em above the baseline, descent about 0.25 em below.
    return {x: left, y: y - fontSize * 0.8, w, h: fontSize * 1.05};
}

function overlaps(a: Box, b: Box, gap = 1): boolean {
    return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

function inside(a: Box, area: Box): boolean {
    return a.x >= area.x && a.y >= area.y && a.x + a.w <= area.x + area.w && a.y + a.h <= area.y + area.h;
}

interface PlacedLabel {
    readonly x: number;
    readonly y: number;
    readonly anchor: "start" | "middle" | "end";
}

/**
 * Places a point's label next to it where it overlaps no placed box (other labels, markers, the legend) and stays
 * inside `area`: right, left, above, below the point first, then further away above and below (with a leader line
 * drawn by the caller). Returns null only when nothing fits, which needs more labels than the plot has room for.
 */
function placeLabel(text: string, px: number, py: number, taken: Box[], area: Box): PlacedLabel | null {
    const candidates: PlacedLabel[] = [];
    const d = 7;
    for (let step = 0; step < 12; step++) {
        const dy = step * (LABEL_FONT_SIZE + 2);
        for (const sign of step === 0 ? [1] : [-1, 1]) {
            const off = sign * dy;
            candidates.push(
                {x: px + d, y: py - 4 + off, anchor: "start"},
                {x: px - d, y: py - 4 + off, anchor: "end"},
                {x: px, y: py - d - 2 + off, anchor: "middle"},
                {x: px, y: py + d + LABEL_FONT_SIZE - 2 + off, anchor: "middle"}
            );
        }
    }
    for (const c of candidates) {
        const box = textBox(text.length, c.x, c.y, c.anchor);
        if (inside(box, area) && !taken.some((t) => overlaps(box, t))) {
            taken.push(box);
            return c;
        }
    }
    return null;
}

function niceMax(v: number): number {
    if (v <= 0) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
}

export function accuracyPlotSvg(series: readonly PlotSeries[], o: {title: string; width?: number; height?: number}): string {
    const W = o.width ?? 640;
    const H = o.height ?? 400;
    const m = {l: 60, r: 20, t: 40, b: 50};
    const all = series.flatMap((s) => s.points);
    const xMax = niceMax(Math.max(1, ...all.map((p) => p.x)) * 1.05);
    const yMax = Math.min(100, niceMax(Math.max(10, ...all.map((p) => p.y)) * 1.05));
    const X = (x: number) => m.l + (x / xMax) * (W - m.l - m.r);
    const Y = (y: number) => H - m.b - (y / yMax) * (H - m.t - m.b);
    const parts: string[] = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
    parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
    parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
    for (let i = 0; i <= 5; i++) {
        const yv = (yMax * i) / 5;
        const xv = (xMax * i) / 5;
        parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(yv).toFixed(1)}" y2="${Y(yv).toFixed(1)}" stroke="#e0e0e0"/>`);
        parts.push(`<text x="${m.l - 6}" y="${(Y(yv) + 4).toFixed(1)}" text-anchor="end">${yv.toFixed(yMax < 10 ? 1 : 0)}</text>`);
        parts.push(`<text x="${X(xv).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${Math.round(xv)}</text>`);
    }
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`);
    parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`);
    parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">mean response tokens</text>`);
    parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">accuracy (%)</text>`);
    // Labels are laid out after every marker and the legend are known, so no label covers any of them.
    const taken: Box[] = [];
    const legendWidth = Math.max(...series.map((s) => s.name.length), 1) * LABEL_FONT_SIZE * CHAR_WIDTH + 15;
    const legendX = W - m.r - Math.max(170, legendWidth);
    series.forEach((s, i) => taken.push({x: legendX - 2, y: m.t + 2 + i * 18, w: legendWidth + 4, h: 16}));
    for (const s of series) for (const p of s.points) taken.push({x: X(p.x) - 5, y: Y(p.y) - 5, w: 10, h: 10});
    // Labels stay between the title and the x axis, right of the y axis, inside the picture.
    const area: Box = {x: m.l + 2, y: 28, w: W - m.l - 4, h: H - m.b - 28 - 2};
    series.forEach((s, i) => {
        const c = COLORS[i % COLORS.length]!;
        const pts = [...s.points].sort((a, b) => a.x - b.x);
        if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ")}"/>`);
        for (const p of pts) {
            parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="4" fill="${c}"><title>${esc(`${s.name} ${p.label}: ${p.y.toFixed(1)}% at ${p.x.toFixed(0)} tokens`)}</title></circle>`);
        }
        for (const p of pts) {
            const at = placeLabel(p.label, X(p.x), Y(p.y), taken, area);
            // No room left anywhere: the marker's tooltip still names it.
            if (at == null) continue;
            const far = Math.abs(at.y - Y(p.y)) > LABEL_FONT_SIZE + 10;
            if (far) parts.push(`<line x1="${X(p.x).toFixed(1)}" y1="${Y(p.y).toFixed(1)}" x2="${at.x.toFixed(1)}" y2="${(at.y - 4).toFixed(1)}" stroke="${c}" stroke-width="0.75" stroke-dasharray="2 2"/>`);
            parts.push(`<text class="point-label" x="${at.x.toFixed(1)}" y="${at.y.toFixed(1)}" text-anchor="${at.anchor}" fill="${c}">${esc(p.label)}</text>`);
        }
        parts.push(`<rect x="${legendX.toFixed(1)}" y="${m.t + 4 + i * 18}" width="10" height="10" fill="${c}"/>`);
        parts.push(`<text x="${(legendX + 15).toFixed(1)}" y="${m.t + 13 + i * 18}">${esc(s.name)}</text>`);
    });
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}
