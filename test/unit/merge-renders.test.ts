// The stream's render messages that wait for a page that has not caught up are merged (src/vscode/mergeRenders.ts,
// used by the webview host's flow control): the page must end up showing exactly what it shows after applying each.
import assert from "node:assert/strict";
import {test} from "node:test";
import type {HtmlPiece, RenderedChunk, ToViewTurnMessage} from "../../src/protocol/messages";
import {pieceChars} from "../../src/render/document";
import {mergeRenders} from "../../src/vscode/mergeRenders";
import {htmlText} from "../../src/webview/htmlPiece";

type Render = Extract<ToViewTurnMessage, {type: "render"}>;

function render(id: string, phase: "thinking" | "solution", committed: HtmlPiece[], pending: string, solutionTokens: number): Render {
    return {type: "render", id, phase, chunk: {committed, pending}, thinkingTokens: 64, solutionTokens};
}

/** What the page shows of a phase after applying chunks (src/webview/card.ts, applyChunk: committed appended, pending replaced). */
function shown(chunks: readonly RenderedChunk[]): string {
    let committed = "";
    let pending = "";
    for (const c of chunks) {
        committed += c.committed.map(htmlText).join("");
        pending = c.pending;
    }
    return committed + pending;
}

test("two renders of one phase in a row become one that shows what both show, with the later counts", () => {
    const a = render("c1", "solution", ["<p>We have 10.</p>"], "<p>And we che</p>", 20);
    const b = render("c1", "solution", ["<p>And we check it.</p>", "<p>Again.</p>"], "<p>And</p>", 31);
    const merged = mergeRenders<ToViewTurnMessage>(a, b);
    assert.ok(merged != null);
    assert.equal(shown([merged.chunk]), shown([a.chunk, b.chunk]));
    assert.equal(merged.solutionTokens, 31);
    assert.equal(merged.thinkingTokens, 64);
    // Merged again with a third: still what the three show.
    const c = render("c1", "solution", [], "<p>And we</p>", 33);
    const again = mergeRenders<ToViewTurnMessage>(merged, c);
    assert.ok(again != null);
    assert.equal(shown([again.chunk]), shown([a.chunk, b.chunk, c.chunk]));
});

test("renders of another phase or request, and other messages, are never merged", () => {
    const a = render("c1", "thinking", ["<p>x</p>"], "", 0);
    assert.equal(mergeRenders<ToViewTurnMessage>(a, render("c1", "solution", ["<p>y</p>"], "", 1)), undefined);
    assert.equal(mergeRenders<ToViewTurnMessage>(a, render("c2", "thinking", ["<p>y</p>"], "", 1)), undefined);
    assert.equal(mergeRenders<ToViewTurnMessage>(a, {type: "cut", id: "c1", thinkingTokens: 64}), undefined);
    assert.equal(mergeRenders<ToViewTurnMessage>({type: "status", id: "c1", status: "thinking"}, a), undefined);
});

test("a restored answer's pieces stay pieces: no merge past pieceChars of committed blocks", () => {
    const piece = "<p>" + "x".repeat(pieceChars - 10) + "</p>";
    const a = render("c1", "solution", [piece], "", 100);
    const b = render("c1", "solution", [piece], "", 100);
    assert.equal(mergeRenders<ToViewTurnMessage>(a, b), undefined);
    // The same as UTF-8 bytes (a restored answer's pieces come so from the formula worker): measured in bytes.
    const bytes = new TextEncoder().encode(piece);
    assert.equal(mergeRenders<ToViewTurnMessage>(render("c1", "solution", [bytes], "", 100), render("c1", "solution", [bytes], "", 100)), undefined);
    const small = render("c1", "solution", [new TextEncoder().encode("<p>é</p>")], "", 1);
    const mixed = mergeRenders<ToViewTurnMessage>(small, render("c1", "solution", ["<p>b</p>"], "", 2));
    assert.ok(mixed != null);
    assert.equal(shown([mixed.chunk]), "<p>é</p><p>b</p>");
    // A long pending tail does not stop a merge: the later one carries it anyway.
    const tail = "<p>" + "y".repeat(2 * pieceChars) + "</p>";
    const merged = mergeRenders<ToViewTurnMessage>(render("c1", "solution", ["<p>a</p>"], tail, 1), render("c1", "solution", ["<p>b</p>"], tail + "z", 2));
    assert.ok(merged != null);
    assert.deepEqual(merged.chunk.committed, ["<p>a</p>", "<p>b</p>"]);
});
