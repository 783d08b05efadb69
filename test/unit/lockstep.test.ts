/** The barrier that makes a parallel vote's sequences evaluate in one batch (src/core/engine/lockstep.ts). */
import assert from "node:assert/strict";
import {test} from "node:test";
import {Lockstep} from "../../src/core/engine/lockstep";

const tick = () => new Promise((r) => setImmediate(r));

test("nobody goes until every live member waits; then all go in member order", async () => {
    const l = new Lockstep(3);
    const went: number[] = [];
    const a = l.arrive(2).then(() => went.push(2));
    const b = l.arrive(0).then(() => went.push(0));
    await tick();
    assert.equal(went.length, 0, "two of three wait: nobody goes");
    const c = l.arrive(1).then(() => went.push(1));
    await Promise.all([a, b, c]);
    assert.deepEqual(went, [0, 1, 2]);
});

test("a member that leaves is no longer waited for; a left member never waits", async () => {
    const l = new Lockstep(3);
    const went: number[] = [];
    const a = l.arrive(0).then(() => went.push(0));
    const b = l.arrive(2).then(() => went.push(2));
    await tick();
    assert.equal(went.length, 0);
    l.leave(1);
    await Promise.all([a, b]);
    assert.deepEqual(went, [0, 2]);
    assert.equal(l.size, 2);
    l.leave(1); // idempotent
    assert.equal(l.size, 2);
    l.leave(0);
    await l.arrive(0); // left: resolves at once
    await l.arrive(2); // the only one left: goes alone
});

test("a member that leaves while it waits is let go", async () => {
    const l = new Lockstep(2);
    let gone = false;
    const a = l.arrive(0).then(() => { gone = true; });
    await tick();
    assert.equal(gone, false);
    l.leave(0);
    await a;
    assert.equal(gone, true);
});
