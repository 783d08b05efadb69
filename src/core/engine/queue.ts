/**
 * The engine's request queue: requests run one at a time in FIFO order; waiting requests are told their position;
 * `whenIdle` resolves once nothing runs or waits (also after an aborted request has fully wound down).
 */
import type {Job} from "./request";

export class RequestQueue {
    private readonly waiting: Job[] = [];
    private running: {job: Job; done: Promise<void>} | undefined;
    private idleWaiters: (() => void)[] = [];
    private positionsScheduled = false;

    /** Requests waiting behind the running one. */
    get length(): number { return this.waiting.length; }
    get busy(): boolean { return this.running != null; }
    /** The running request, if any. */
    get current(): {readonly job: Job; readonly done: Promise<void>} | undefined { return this.running; }

    whenIdle(): Promise<void> {
        if (this.running == null && this.waiting.length === 0) return Promise.resolve();
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    /** Queues a job (its `run` set) and starts it when nothing runs. */
    add(job: Job): void {
        this.waiting.push(job);
        if (this.running != null) this.schedulePositions();
        this.pump();
    }

    /** Takes a waiting job out of the queue; false when it is not waiting (running or done). */
    remove(job: Job): boolean {
        const i = this.waiting.indexOf(job);
        if (i < 0) return false;
        this.waiting.splice(i, 1);
        this.schedulePositions();
        this.notifyIdle();
        return true;
    }

    /** Empties the queue: returns the jobs that were waiting. */
    drain(): Job[] {
        return this.waiting.splice(0);
    }

    notifyIdle(): void {
        if (this.running != null || this.waiting.length > 0) return;
        for (const w of this.idleWaiters.splice(0)) w();
    }

    private pump(): void {
        if (this.running != null) return;
        const job = this.waiting.shift();
        if (job == null) { this.notifyIdle(); return; }
        const done = job.run!().finally(() => {
            this.running = undefined;
            this.pump();
        });
        this.running = {job, done};
        this.schedulePositions();
    }

    /**
     * Tells waiting requests their position, on the next macrotask: a request made just as the previous one
     * resolves (its promise settles a few microtasks before the queue moves on) is then never reported as queued.
     */
    private schedulePositions(): void {
        if (this.positionsScheduled) return;
        this.positionsScheduled = true;
        setImmediate(() => {
            this.positionsScheduled = false;
            this.waiting.forEach((job, i) => {
                const position = i + 1;
                if (job.lastPosition !== position) {
                    job.lastPosition = position;
                    job.emit({type: "queued", position});
                }
            });
        });
    }
}
