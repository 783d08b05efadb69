/**
 * The eval plot's point labels: laid out so that none overlaps another, a marker or the legend, and none is clipped
 * by the picture's edge. A label's box is estimated from the font size (the SVG has no text metrics outside a
 * browser); the estimate is generous for digits and "+". The PNG that chromium makes of these SVGs was looked at.
 */
import assert from "node:assert/strict";
import {test} from "node:test";
import {accuracyPlotSvg, type PlotSeries} from "../../src/core/eval/plot";

interface Box { x: number; y: number; w: number; h: number }

/** The test's own estimate (independent of the plot's): 0.62 em per character, 0.8 em ascent, 0.25 em descent. */
function textBox(n: number, x: number, y: number, anchor: "start" | "middle" | "end", size: number): Box {
    const w = n * size * 0.62;
    return {x: anchor === "start" ? x : anchor === "middle" ? x - w / 2 : x - w, y: y - size * 0.8, w, h: size * 1.05};
}

interface Label { text: string; box: Box }

function labels(svg: string, names: readonly string[]): Label[] {
    const out: Label[] = [];
    for (const m of svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)) {
        if (!names.includes(m[2]!)) continue;
        const attr = (n: string) => new RegExp(`(?:^| )${n}="([^"]*)"`).exec(m[1]!)?.[1];
        const size = Number(attr("font-size") ?? 12);
        out.push({text: m[2]!, box: textBox(m[2]!.length, Number(attr("x")), Number(attr("y")), (attr("text-anchor") ?? "start") as "start", size)});
    }
    return out;
}

function viewBox(svg: string): Box {
    const [x, y, w, h] = /viewBox="([^"]+)"/.exec(svg)![1]!.split(" ").map(Number);
    return {x: x!, y: y!, w: w!, h: h!};
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function checkLayout(series: readonly PlotSeries[]): string {
    const svg = accuracyPlotSvg(series, {title: "aime24: accuracy vs. response tokens (Avg@16)"});
    const names = series.flatMap((s) => s.points.map((p) => p.label));
    const found = labels(svg, names);
    assert.deepEqual(found.map((l) => l.text).sort(), [...names].sort(), "every point has its label, whole");
    const vb = viewBox(svg);
    for (const l of found)
        assert.ok(l.box.x >= vb.x && l.box.y >= vb.y && l.box.x + l.box.w <= vb.x + vb.w && l.box.y + l.box.h <= vb.y + vb.h,
            `"${l.text}" inside the viewBox: ${JSON.stringify(l.box)}`);
    for (let i = 0; i < found.length; i++)
        for (let j = i + 1; j < found.length; j++)
            assert.ok(!overlap(found[i]!.box, found[j]!.box), `"${found[i]!.text}" and "${found[j]!.text}" overlap`);
    return svg;
}

test("plot: the issue's two budgets, close together at the right edge, are both readable", () => {
    // What a run on E1-Math-1.5B looked like: 1024+1024 and 2048+1024 at nearly the same tokens and accuracy,
    // the larger near the right end of the x axis.
    checkLayout([{name: "E1-Math-1.5B", points: [
        {x: 1832, y: 27.5, label: "1024+1024"},
        {x: 1905, y: 28.1, label: "2048+1024"}
    ]}]);
});

test("plot: a crowd of budgets and two models: no label overlaps another or leaves the picture", () => {
    const budgets = ["512+512", "1024+1024", "2048+1024", "4096+1024", "unconstrained", "unconstrained:8192"];
    checkLayout([
        {name: "E1-Math-1.5B", points: budgets.map((label, i) => ({x: 900 + i * 60, y: 20 + i * 0.4, label}))},
        {name: "DeepScaleR-1.5B-Preview", points: budgets.map((label, i) => ({x: 950 + i * 55, y: 20.5 + i * 0.3, label}))}
    ]);
});

test("plot: labels of points at the corners (0 and 100 %, 0 tokens) stay inside", () => {
    checkLayout([{name: "m", points: [
        {x: 0, y: 0, label: "1+1"}, {x: 4000, y: 100, label: "4096+1024"}, {x: 4000, y: 0, label: "unconstrained"}, {x: 0, y: 100, label: "16+16"}
    ]}]);
});
