/**
 * A burst: a server can deliver hundreds of KB of an answer in one read (a model at 20-50 tokens/s cannot). The
 * request pipeline's PhaseStreams (src/vscode/phaseStreams.ts) hands such a burst to the streaming renderer a slice
 * at a time, so that no flush renders it all on the extension host's thread (on the old code one flush rendered
 * 300 KB of short blocks with formulas in one call: 1.8 s here), and what is shown in the end is still the one-shot
 * rendering. With the real formula worker (out/formulaWorker.js).
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown} from "../../src/render/index";
import {WorkerFormulaOffload} from "../../src/render/formulaOffload";
import {PhaseStreams} from "../../src/vscode/phaseStreams";
import type {ToViewTurnMessage} from "../../src/protocol/messages";
import {formulaWorkerFile} from "./render-helpers";

/** About `chars` characters of short paragraphs, each with two small inline formulas. */
function shortBlocks(chars: number, seed: string): string {
    const blocks: string[] = [];
    for (let i = 0, n = 0; n < chars; i++) {
        const b = `Step ${i} of ${seed}: then $x_{${i}} + y = ${i}$ and $\\alpha_${i % 10}$ hold.`;
        blocks.push(b);
        n += b.length + 2;
    }
    return blocks.join("\n\n") + "\n\n";
}

type Render = Extract<ToViewTurnMessage, {type: "render"}>;

/** A PhaseStreams on the real formula worker, the render messages it posts, and the worker ended afterwards. */
async function withStreams(id: string, run: (streams: PhaseStreams, messages: Render[]) => Promise<void>): Promise<void> {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        const messages: Render[] = [];
        await run(new PhaseStreams(id, (m) => { if (m.type === "render") messages.push(m); }, {}, offload), messages);
    } finally {
        offload.dispose();
    }
}

/** The HTML a view shows for a phase after these messages: every committed piece, then the last pending. */
function shown(messages: readonly Render[], phase: "thinking" | "solution"): string {
    const mine = messages.filter((m) => m.phase === phase);
    return mine.flatMap((m) => m.chunk.committed).join("") + (mine.at(-1)?.chunk.pending ?? "");
}

test("a 300 KB burst: the first flush renders only a part of it, later turns the rest; the view ends with the one-shot HTML", async () => {
    await withStreams("r1", async (streams, messages) => {
        const thinking = shortBlocks(20_000, "thinking");
        const solution = shortBlocks(300_000, "solution");
        streams.push("thinking", thinking, 10, 0);
        streams.push("solution", solution, 10, 70_000);
        streams.flush();
        const first = messages.filter((m) => m.phase === "solution");
        assert.equal(first.length, 1);
        const oneShot = renderMarkdown(solution, {});
        const firstHtml = first[0]!.chunk.committed.join("");
        assert.ok(firstHtml.length > 0, "the first flush showed nothing of the burst");
        assert.ok(firstHtml.length < oneShot.html.length / 4, `the first flush rendered ${firstHtml.length} of ${oneShot.html.length} characters of HTML`);
        assert.ok(oneShot.html.startsWith(firstHtml));
        await streams.finish();
        assert.ok(messages.filter((m) => m.phase === "solution").length > 4, "the burst was not rendered over several turns");
        assert.equal(shown(messages, "solution"), oneShot.html);
        assert.equal(shown(messages, "thinking"), renderMarkdown(thinking, {}).html);
        assert.equal(streams.text("solution"), solution);
    });
});

test("a burst before a phase break (a cut marker) is shown whole before the break", async () => {
    await withStreams("r2", async (streams, messages) => {
        const before = shortBlocks(60_000, "before");
        streams.push("thinking", before, 100, 0);
        streams.breakPhase("thinking");
        const atBreak = messages.length;
        assert.equal(shown(messages, "thinking"), renderMarkdown(before, {}).html);
        streams.push("thinking", "After the cut: $y = 2$.", 101, 0);
        await streams.finish();
        assert.ok(messages.length > atBreak);
        assert.equal(shown(messages.slice(atBreak), "thinking"), renderMarkdown("After the cut: $y = 2$.", {}).html);
    });
});
