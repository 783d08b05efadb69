/**
 * One post to a view per turn of the event loop, across every view of the extension (the solution panel, the sidebar
 * chat, the Tutor). Posting costs the host's thread the message's serialisation; each view's host used to pace its own
 * posts, one per `setImmediate`, so after Developer: Reload Webviews the three views' pieces went out three to a turn
 * (every immediate queued before a turn runs in that turn, with no timer or I/O between them). Here the views take
 * turns, in the order they asked.
 */
export class PostTurns {
    /** A post went out in this turn. */
    private used = false;
    /** Who waits for a turn, in the order they asked (a Set keeps insertion order). */
    private readonly waiting = new Set<() => boolean>();

    /**
     * Calls `send` in this turn if nothing was posted in it yet, else in a later turn, one caller per turn. `send`
     * returns whether it posted: one that did not (its page is not ready, or too far behind) gives the turn to the next.
     * A caller that still has something to post after posting asks again (it goes behind the others). `send` must not
     * throw (it runs from a later turn, where nothing would catch it).
     */
    public take(send: () => boolean): void {
        if (this.used) this.waiting.add(send);
        else this.run(send);
    }

    /** Forgets a caller that no longer wants a turn (its view was closed). */
    public cancel(send: () => boolean): void {
        this.waiting.delete(send);
    }

    private run(send: () => boolean): boolean {
        // Marked before the call, so that a caller asking again from inside `send` waits for the next turn.
        this.used = true;
        let posted = false;
        try {
            posted = send();
        } finally {
            if (posted) setImmediate(() => this.next());
            else this.used = false;
        }
        return posted;
    }

    private next(): void {
        this.used = false;
        for (const send of this.waiting) {
            this.waiting.delete(send);
            if (this.run(send)) return;
        }
    }
}

/** The extension's one pacer: every view's host takes its turns here. */
export const postTurns = new PostTurns();
