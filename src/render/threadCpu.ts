/**
 * CPU time of the calling thread, for measurements (the render bench, the formula worker's own figures).
 *
 * `process.cpuUsage()` counts every thread of the process: V8's background compiler and GC threads and, once
 * formulas render in a worker, the worker too. What an update costs the extension host's event loop is the
 * main thread's time, so that is read where Linux offers it per thread (`/proc/thread-self/schedstat`, first
 * field: nanoseconds on a CPU; a read costs about 20 µs). Elsewhere `null`: callers fall back to process CPU and say so.
 */
import {readFileSync} from "node:fs";

let available: boolean | undefined;

/** Milliseconds this thread has run on a CPU, or null where the platform does not tell. */
export function threadCpuMs(): number | null {
    if (available === false) return null;
    try {
        const text = readFileSync("/proc/thread-self/schedstat", "utf8");
        available = true;
        return Number(text.slice(0, text.indexOf(" "))) / 1e6;
    } catch {
        available = false;
        return null;
    }
}
