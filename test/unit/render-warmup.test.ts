/**
 * The renderer's one-time warm-up as the extension runs it (src/render/markdown.ts, warmUpInSlices): one block of the
 * warm-up text per turn of the event loop, so other work of the extension host runs between them (in one piece it held
 * the host's loop for 0.3-0.8 s on a loaded machine). Its own process (node --test runs each file in one): nothing has
 * warmed the renderer before. The real renderer, no mocks.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown} from "../../src/render/index";
import {warmUpInSlices} from "../../src/render/markdown";

test("the warm-up gives the event loop back between its blocks, and a render meanwhile does not wait for it", async () => {
    let turns = 0;
    let running = true;
    const tick = () => { turns++; if (running) setImmediate(tick); };
    setImmediate(tick);
    const done = warmUpInSlices();
    // A render made while the warm-up runs: it does not do the rest of the warm-up itself (that would be the one long block).
    const html = renderMarkdown("So $x = \\frac{1}{2}$.").html;
    assert.match(html, /katex/);
    await done;
    running = false;
    // 8 blocks of the warm-up text, twice: 16 slices, each after a turn of the loop.
    assert.ok(turns >= 16, `the loop turned ${turns} times during the warm-up`);
    // Once done, a second call does nothing.
    const before = turns;
    await warmUpInSlices();
    assert.ok(turns - before <= 1);
});
