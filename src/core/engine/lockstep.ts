/**
 * Lockstep for the k sequences of a parallel vote (parallel.ts): every live sequence evaluates its next tokens in
 * the same llama.cpp batch, in sequence-id order.
 *
 * Why: node-llama-cpp dispatches a batch on the next event-loop cycle after the first evaluation is queued. Each
 * sequence's sampling finishes at its own moment (on a worker thread), so with k sequences each running its own
 * loop the batches held fewer than k tokens, and their sequence ids arrived out of order, which llama.cpp (one KV
 * stream per sequence) splits into one pass per run of consecutive ids: 4 sequences ran at about the speed of one
 * (docs/speed.md has the figures). Here each sequence waits, before each evaluation (a prompt chunk or the next
 * token), until every live sequence waits too; then all go in member order, so their evaluations are queued in one
 * event-loop turn and the next batch holds them all. A sequence that finishes (or fails) leaves and is no longer
 * waited for.
 *
 * The barrier changes when tokens are evaluated, never which: each sequence keeps its own sampler and seed.
 */
export class Lockstep {
    private readonly live: Set<number>;
    private readonly waiting = new Map<number, () => void>();

    constructor(members: number) {
        this.live = new Set(Array.from({length: members}, (_, i) => i));
    }

    /** Resolves when every live member waits (at once for a member that has left). */
    arrive(member: number): Promise<void> {
        if (!this.live.has(member)) return Promise.resolve();
        return new Promise<void>((resolve) => {
            this.waiting.get(member)?.(); // cannot wait twice: the earlier wait goes
            this.waiting.set(member, resolve);
            this.release();
        });
    }

    /** The member is done: the others no longer wait for it. Idempotent. */
    leave(member: number): void {
        if (!this.live.delete(member)) return;
        const own = this.waiting.get(member);
        this.waiting.delete(member);
        own?.();
        this.release();
    }

    /** Members that have not left. */
    get size(): number { return this.live.size; }

    private release(): void {
        if (this.waiting.size === 0 || this.waiting.size < this.live.size) return;
        const order = [...this.waiting.keys()].sort((a, b) => a - b);
        const go = order.map((m) => this.waiting.get(m)!);
        this.waiting.clear();
        // In a microtask: the last member to arrive is awaiting by then too, so all continue in member order.
        queueMicrotask(() => { for (const resolve of go) resolve(); });
    }
}

/** One member's view: what a session calls before each evaluation. */
export interface LockstepMember {
    arrive(): Promise<void>;
}

export function lockstepMember(lockstep: Lockstep, member: number): LockstepMember {
    return {arrive: () => lockstep.arrive(member)};
}

/** node-llama-cpp's queued evaluations, an internal of LlamaContext (3.21): read only to sort them, when present. */
interface QueuedDecodes { readonly _queuedDecodes?: unknown }

/**
 * A batching dispatch schedule for node-llama-cpp's LlamaContext: its default ("nextCycle": setImmediate) with the
 * queued evaluations sorted by sequence id first, so a batch's ids are consecutive (llama.cpp splits a batch whose
 * sequence ids are out of order into several passes). When the internal queue is not where node-llama-cpp 3.21 keeps
 * it, this is exactly the default schedule.
 */
export function sortedDispatch(context: () => object | undefined): (dispatch: () => void) => void {
    return (dispatch) => {
        setImmediate(() => {
            const queue = (context() as QueuedDecodes | undefined)?._queuedDecodes;
            if (Array.isArray(queue) && queue.every((q: unknown) => typeof (q as {sequenceId?: unknown})?.sequenceId === "number"))
                (queue as {sequenceId: number}[]).sort((a, b) => a.sequenceId - b.sequenceId);
            dispatch();
        });
    };
}
