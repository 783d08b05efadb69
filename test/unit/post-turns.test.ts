/**
 * The views' posts take turns (src/vscode/postTurns.ts): one post per turn of the event loop across all views, in the
 * order they asked. What matters is that timers and I/O run between two posts (the extension host's other work): each
 * post here takes 2 ms and sets a timer due at once, and a post before which that timer has not run shared a turn with
 * the post before it. With each view pacing its own posts (one `setImmediate` each, as before), three views posted
 * three to a turn.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {PostTurns} from "../../src/vscode/postTurns";

/** A post: counts whether the previous post's timer has run, sets its own, and takes 2 ms (as a piece's serialisation may). */
function poster() {
    let timerRan = true;
    let shared = 0;
    return {
        get shared() { return shared; },
        post(): void {
            if (!timerRan) shared++;
            // The timer is due (1 ms) before the post ends (2 ms): the next turn's timers run it.
            timerRan = false;
            setTimeout(() => { timerRan = true; }, 0);
            for (const t0 = performance.now(); performance.now() - t0 < 2;) { /* the post's work */ }
        }
    };
}

/** Views that each have `count` messages to post; records who posted and whether a post shared its turn. */
function views(turns: PostTurns, names: readonly string[], count: number) {
    const posts: string[] = [];
    const p = poster();
    const post = (name: string) => {
        p.post();
        posts.push(name);
    };
    const left = new Map(names.map((n) => [n, count]));
    const senders = new Map<string, () => boolean>();
    for (const name of names) {
        const send = () => {
            if (left.get(name)! === 0) return false;
            left.set(name, left.get(name)! - 1);
            post(name);
            if (left.get(name)! > 0) turns.take(send);
            return true;
        };
        senders.set(name, send);
    }
    const done = () => new Promise<void>((resolve) => {
        const check = () => ([...left.values()].every((n) => n === 0) ? resolve() : setImmediate(check));
        check();
    });
    return {posts, shared: () => p.shared, senders, done};
}

test("three views with messages to post: one post per turn, the views in turn", async () => {
    const turns = new PostTurns();
    const v = views(turns, ["panel", "chat", "tutor"], 4);
    // Asked from a turn's end (the check phase, as a view's message handler may), so the next turn is a whole one.
    await new Promise((r) => setImmediate(r));
    for (const send of v.senders.values()) turns.take(send);
    await v.done();
    assert.equal(v.shared(), 0, "a post shared its turn with another");
    // The panel posts at once and asks again before the others ask: it is first in line, then the three alternate.
    assert.deepEqual(v.posts, ["panel", "panel", "chat", "tutor", "panel", "chat", "tutor", "panel", "chat", "tutor", "chat", "tutor"]);
});

test("the same views pacing themselves (one setImmediate each, the code before) post three to a turn: the detector sees it", async () => {
    const p = poster();
    const posts: string[] = [];
    for (const name of ["panel", "chat", "tutor"]) {
        let left = 4;
        const sendNext = () => {
            if (left-- === 0) return;
            p.post();
            posts.push(name);
            setImmediate(sendNext);
        };
        sendNext();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(posts.length, 12);
    // In each turn the chat's and the Tutor's posts follow another with no timer between.
    assert.equal(p.shared, 8);
});

test("a view that cannot post in its turn (page not ready, too far behind) gives the turn to the next", async () => {
    const turns = new PostTurns();
    const order: string[] = [];
    turns.take(() => { order.push("panel"); return true; });
    // Waiting now: the chat cannot post, the Tutor can, in the same turn as the chat's try.
    turns.take(() => { order.push("chat (nothing)"); return false; });
    turns.take(() => { order.push("tutor"); return true; });
    assert.deepEqual(order, ["panel"]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ["panel", "chat (nothing)", "tutor"]);
    // Nothing posted in a turn: the next caller posts at once.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    turns.take(() => { order.push("panel again"); return true; });
    assert.deepEqual(order.at(-1), "panel again");
});

test("a cancelled caller gets no turn; a caller that throws does not stop the turns", async () => {
    const turns = new PostTurns();
    const order: string[] = [];
    turns.take(() => { order.push("panel"); return true; });
    const closed = () => { order.push("closed view"); return true; };
    turns.take(closed);
    turns.take(() => { order.push("chat"); return true; });
    turns.cancel(closed);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ["panel", "chat"]);
    // A caller that throws: the error reaches its caller, and the next take still posts at once.
    await new Promise((r) => setImmediate(r));
    assert.throws(() => turns.take(() => { throw new Error("posting failed"); }), /posting failed/);
    turns.take(() => { order.push("tutor"); return true; });
    assert.deepEqual(order, ["panel", "chat", "tutor"]);
});
