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
    series.forEach((s, i) => {
        const c = COLORS[i % COLORS.length]!;
        const pts = [...s.points].sort((a, b) => a.x - b.x);
        if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ")}"/>`);
        for (const p of pts) {
            parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="4" fill="${c}"><title>${esc(`${s.name} ${p.label}: ${p.y.toFixed(1)}% at ${p.x.toFixed(0)} tokens`)}</title></circle>`);
            parts.push(`<text x="${(X(p.x) + 6).toFixed(1)}" y="${(Y(p.y) - 6).toFixed(1)}" fill="${c}">${esc(p.label)}</text>`);
        }
        parts.push(`<rect x="${W - m.r - 170}" y="${m.t + 4 + i * 18}" width="10" height="10" fill="${c}"/>`);
        parts.push(`<text x="${W - m.r - 155}" y="${m.t + 13 + i * 18}">${esc(s.name)}</text>`);
    });
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}
