/**
 * A remote GGUF file as a {@link ByteSource}: HTTP range requests, each response read only as far as asked (a
 * server that ignores the range and sends the whole file is cut off), with a deadline per request.
 */
import {GgufError} from "./errors";
import type {ByteSource} from "./reader";

export interface HttpSourceOptions {
    readonly signal?: AbortSignal;
    readonly headers?: Record<string, string>;
    /** Per request (default 15 s). */
    readonly timeoutMs?: number;
}

async function rangeGet(url: string, position: number, length: number, o: HttpSourceOptions): Promise<{bytes: Buffer; total: number | undefined}> {
    const timeout = AbortSignal.timeout(o.timeoutMs ?? 15_000);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, timeout, ...(o.signal != null ? [o.signal] : [])]);
    const res = await fetch(url, {headers: {...o.headers, range: `bytes=${position}-${position + length - 1}`}, redirect: "follow", signal});
    try {
        if (res.status !== 206 && res.status !== 200) throw new GgufError("unreadable", `the server answered HTTP ${res.status} for its header`);
        const m = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "");
        const total = m != null ? Number(m[1]) : res.status === 200 ? Number(res.headers.get("content-length") ?? NaN) : undefined;
        // A 200 answer is the whole file from byte 0: skip to `position`.
        let skip = res.status === 200 ? position : 0;
        const parts: Buffer[] = [];
        let got = 0;
        const reader = res.body?.getReader();
        while (reader != null && got < length) {
            const {done, value} = await reader.read();
            if (done) break;
            let chunk = Buffer.from(value);
            if (skip > 0) {
                const drop = Math.min(skip, chunk.length);
                chunk = chunk.subarray(drop);
                skip -= drop;
            }
            parts.push(chunk.subarray(0, length - got));
            got += Math.min(chunk.length, length - got);
        }
        return {bytes: Buffer.concat(parts), total: Number.isFinite(total) ? total : undefined};
    } finally {
        controller.abort();
    }
}

/** Opens `url` (reads its first MB to learn the size). */
export async function httpSource(url: string, o: HttpSourceOptions = {}): Promise<ByteSource> {
    const first = await rangeGet(url, 0, 1 << 20, o);
    if (first.total == null) throw new GgufError("unreadable", "the server did not say how large the file is");
    return {
        size: first.total,
        async read(position, length) {
            if (position + length <= first.bytes.length) return first.bytes.subarray(position, position + length);
            return (await rangeGet(url, position, length, o)).bytes;
        },
        close: async () => undefined
    };
}
