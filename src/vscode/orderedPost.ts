/**
 * Posts to a view in the order the messages were given, where some are still being rendered (in the formula worker:
 * see formulaOffload.ts, renderText): a message given as a promise holds back every message given after it until it
 * has arrived. With nothing held back, a message goes out at once, as a plain post would.
 */
import type {Logger} from "../core/logger";

export class OrderedPost<T> {
    private held = 0;
    private chain: Promise<void> = Promise.resolve();

    /** `deliver` posts one message; `log` hears of a message that could not be made (it is then left out). */
    public constructor(private readonly deliver: (message: T) => void, private readonly log: Logger) {}

    /** Posts `message` after everything given before it; from a promise, a list posts each and `null` nothing. */
    public post(message: T | Promise<T | readonly T[] | null>): void {
        if (this.held === 0 && !(message instanceof Promise)) {
            this.deliver(message);
            return;
        }
        this.held++;
        this.chain = this.chain
            .then(() => message)
            .then((m) => {
                if (Array.isArray(m)) for (const one of m as readonly T[]) this.deliver(one);
                else if (m != null) this.deliver(m as T);
            }, (err: unknown) => this.log.error(`a message for the view could not be made: ${err instanceof Error ? err.stack ?? err.message : String(err)}`))
            .finally(() => { this.held--; });
    }

    /** Resolves once everything given so far has been posted. */
    public idle(): Promise<void> {
        return this.chain;
    }
}
