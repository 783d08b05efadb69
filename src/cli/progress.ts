/**
 * `eval`'s progress: done/total, samples per second, generated tokens per second and the time left, from the samples
 * graded in this run (a resumed run's earlier samples are not counted in the rates). On a terminal one line updated in
 * place; otherwise a plain line at most every `intervalMs` and for the last sample.
 */
import type {EvalProgress} from "../core/eval/harness";

/** "12/24 samples, 1.35 samples/s, 210 tokens/s, about 9 s left" (pure: unit-tested). */
export function formatProgress(p: EvalProgress): string {
    const ran = p.done - p.resumed;
    const s = p.elapsedMs / 1000;
    const head = `${p.done}/${p.total} samples`;
    if (ran <= 0 || s <= 0) return `${head}, rates after the first sample`;
    const rate = ran / s;
    const left = p.total - p.done;
    return `${head}, ${rate.toFixed(2)} samples/s, ${(p.generatedTokens / s).toFixed(1)} tokens/s, ` +
        (left === 0 ? `done in ${duration(s)}` : `about ${duration(left / rate)} left`);
}

/** "45 s", "12 min 5 s", "3 h 20 min". */
export function duration(seconds: number): string {
    const t = Math.round(seconds);
    if (t < 60) return `${t} s`;
    if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
    return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

/** Writes progress to `stream` (stderr): one updating line on a TTY, plain lines otherwise. */
export function progressReporter(stream: NodeJS.WriteStream, intervalMs = 10_000): {update(p: EvalProgress): void; clear(): void; end(): void} {
    const tty = stream.isTTY === true;
    let lastPlain = 0;
    let open = false;
    return {
        update(p) {
            if (p.last == null) return;
            const line = formatProgress(p);
            if (tty) { stream.write(`\r${line}\x1b[K`); open = true; return; }
            const now = performance.now();
            if (p.done === p.total || now - lastPlain >= intervalMs) { lastPlain = now; stream.write(`progress: ${line}\n`); }
        },
        /** Before another line goes to the same terminal. */
        clear() { if (open) stream.write("\r\x1b[K"); },
        end() { if (open) { stream.write("\n"); open = false; } }
    };
}
