/**
 * A real llama.cpp `llama-server` for the server-backend tests: the binary built by scripts/setup-llama-server.sh
 * (from the llama.cpp source that node-llama-cpp ships), started on 127.0.0.1 on a free port with a fixture model,
 * stopped by its process id.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync} from "node:fs";
import {createServer} from "node:net";
import {join} from "node:path";
import {repoRoot} from "../paths";

export function llamaServerBinary(): string {
    const bin = join(repoRoot(), ".cache", "llama-server", "bin", "llama-server");
    if (!existsSync(bin))
        throw new Error(`llama-server is not built (${bin} is missing). Run: bash scripts/setup-llama-server.sh (about 6 minutes on 2 cores; CI runs it first).`);
    return bin;
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as {port: number}).port;
            srv.close(() => resolve(port));
        });
    });
}

export interface RunningServer {
    readonly url: string;
    readonly port: number;
    readonly pid: number;
    readonly log: () => string;
    /** SIGKILL (the "killed server" tests) or SIGTERM; resolves when the process has exited. */
    stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
    readonly apiKey?: string;
    readonly contextSize?: number;
    /** Extra command-line arguments. */
    readonly args?: readonly string[];
    /** Model alias reported by /v1/models (default: the file name). */
    readonly alias?: string;
}

/** Starts llama-server on 127.0.0.1 with a GGUF and waits for /health. */
export async function startLlamaServer(modelPath: string, options: StartOptions = {}): Promise<RunningServer> {
    const bin = llamaServerBinary();
    const port = await freePort();
    const args = ["-m", modelPath, "--host", "127.0.0.1", "--port", String(port), "-t", "1", "-c", String(options.contextSize ?? 4096),
        "-np", "1", "--no-webui", ...(options.alias != null ? ["--alias", options.alias] : []),
        ...(options.apiKey != null ? ["--api-key", options.apiKey] : []), ...(options.args ?? [])];
    const child: ChildProcess = spawn(bin, args, {stdio: ["ignore", "pipe", "pipe"]});
    let log = "";
    const keep = (b: Buffer) => { log = (log + b.toString()).slice(-20_000); };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
        if (child.exitCode == null && child.signalCode == null) process.kill(child.pid!, signal);
        await exited;
    };
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode != null) throw new Error(`llama-server exited (${child.exitCode}) before it was ready:\n${log}`);
        try {
            const r = await fetch(`${url}/health`, {headers: options.apiKey != null ? {Authorization: `Bearer ${options.apiKey}`} : {}});
            if (r.ok) break;
        } catch { /* not listening yet */ }
        if (Date.now() > deadline) { await stop("SIGKILL"); throw new Error(`llama-server did not become healthy in 60 s:\n${log}`); }
        await new Promise((r) => setTimeout(r, 100));
    }
    return {url, port, pid: child.pid!, log: () => log, stop};
}
