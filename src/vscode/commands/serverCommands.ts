/**
 * The server backend's commands: "Set Server API Key" (VS Code SecretStorage, never a settings file) and
 * "Test Server Connection" (which server, its models, and whether it does what the elastic budgets need).
 */
import * as vscode from "vscode";
import {ElasticEngine} from "../../core/engine";
import {ServerClient} from "../../core/serverBackend";
import type {SolveEvent} from "../../core/types";
import type {EngineService} from "../engineService";
import {logFailure, logged, type Log} from "../log";

export const serverApiKeySecret = "elasticMath.server.apiKey";

/** Stores (or, given an empty value, removes) the API key. Returns what was done. */
export async function setServerApiKey(context: vscode.ExtensionContext, engines: EngineService, value?: string): Promise<"stored" | "removed" | "cancelled"> {
    const key = value ?? await vscode.window.showInputBox({
        title: "Elastic Math: Server API Key",
        prompt: "The API key of the inference server (sent as a Bearer token). Stored in VS Code's secret storage, never in settings. Empty: remove the stored key.",
        password: true,
        ignoreFocusOut: true
    });
    if (key == null) return "cancelled";
    if (key.trim() === "") {
        await context.secrets.delete(serverApiKeySecret);
        engines.apiKeyChanged();
        vscode.window.setStatusBarMessage("Elastic Math: server API key removed", 3000);
        return "removed";
    }
    await context.secrets.store(serverApiKeySecret, key.trim());
    engines.apiKeyChanged();
    vscode.window.setStatusBarMessage("Elastic Math: server API key stored", 3000);
    return "stored";
}

export interface ServerCheck {
    readonly ok: boolean;
    readonly url: string;
    readonly api?: string;
    readonly models?: readonly string[];
    readonly completions?: boolean;
    readonly streaming?: boolean;
    readonly usage?: boolean;
    readonly promptCache?: number | null;
    /** The report shown to the user. */
    readonly report: string;
}

/** Connects, lists the models, and runs a 2 + 2 token elastic request to check completions, streaming and usage. */
export async function testServerConnection(context: vscode.ExtensionContext, engines: EngineService, log: Log, options: {quiet?: boolean} = {}): Promise<ServerCheck> {
    const settings = engines.settings;
    const url = settings.server.url;
    const show = (check: ServerCheck): ServerCheck => {
        (check.ok ? log.info : log.warn).call(log, `server check: ${check.report}`);
        if (options.quiet !== true) {
            if (check.ok) void vscode.window.showInformationMessage(check.report, {modal: false});
            else void vscode.window.showErrorMessage(check.report, "Open Settings").then((b) => {
                if (b != null) void vscode.commands.executeCommand("workbench.action.openSettings", "elasticMath.server");
            });
        }
        return check;
    };
    if (url === "") return show({ok: false, url, report: "Elastic Math: no server URL. Set elasticMath.server.url (e.g. http://gpu-box:8000)."});
    const apiKey = await context.secrets.get(serverApiKeySecret);
    const format = await engines.current().format(); // logs and yields undefined when the format cannot be read
    return vscode.window.withProgress({location: vscode.ProgressLocation.Notification, title: `Elastic Math: testing ${url}`, cancellable: true}, async (_p, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let client: ServerClient;
        let api: string;
        let models: string[] = [];
        try {
            client = new ServerClient({url, model: settings.server.model, apiKey, dialect: settings.server.api, timeoutMs: 30_000});
            api = await client.dialect();
            models = await client.models().catch(logged(log, `listing the models of ${url}`, [] as string[]));
        } catch (err) {
            logFailure(log, `connecting to ${url}`, err);
            return show({ok: false, url, report: `Elastic Math: ${(err as Error).message}`});
        }
        const modelNote = settings.server.model === "" ? `no model set: using ${models[0] ?? "the server's default"}`
            : models.length === 0 || models.includes(settings.server.model) ? `model ${settings.server.model}` : `model ${settings.server.model} is NOT among them`;
        const engine = new ElasticEngine({modelPath: "", format, server: {url, model: settings.server.model, apiKey, dialect: settings.server.api, timeoutMs: 30_000}});
        try {
            let deltas = 0;
            const r = await engine.solve({problem: "What is 1+1?", budget: {mode: "elastic", thinkTokens: 2, answerTokens: 2}, sampling: {temperature: 0},
                signal: controller.signal, onEvent: (e: SolveEvent) => { if (e.type === "delta") deltas++; }});
            const steps = engine.lastServerSteps ?? [];
            const usage = r.thinkingTokens <= 2 && r.solutionTokens <= 2 && r.thinkingTokens + r.solutionTokens > 0;
            const cache = steps.length > 1 ? steps[1]!.cachedPromptTokens : null;
            const report = [
                `Elastic Math: ${client.base} answers (${api === "llama.cpp" ? "llama.cpp /completion" : "OpenAI /v1/completions"}).`,
                `Models: ${models.length > 0 ? models.join(", ") : "(not listed)"}; ${modelNote}.`,
                `Completions: yes. Streaming: ${deltas > 0 ? "yes" : "no text streamed"}. Usage figures: ${usage ? `yes (thinking ${r.thinkingTokens}/2, solution ${r.solutionTokens}/2: budgets are exact)` : "NOT as asked"}.`,
                cache != null ? `Prompt cache: phase 2 reused ${cache} cached prompt tokens.` : "Prompt cache: not reported by the server (see docs/serving.md for the flags)."
            ].join(" ");
            return show({ok: usage, url, api, models, completions: true, streaming: deltas > 0, usage, promptCache: cache, report});
        } catch (err) {
            logFailure(log, `a test completion on ${url}`, err);
            return show({ok: false, url, api, models, completions: false, report: `Elastic Math: ${client.base} (${api}) lists ${models.length > 0 ? models.join(", ") : "no models"}, but a completion failed: ${(err as Error).message}`});
        } finally {
            await engine.dispose().catch(logged(log, "closing the test connection", undefined));
        }
    });
}
