/**
 * The server backend's commands: "Set Server API Key" (VS Code SecretStorage, never a settings file) and
 * "Test Server Connection" (which server, its models, and whether it does what the elastic budgets need).
 */
import * as vscode from "vscode";
import {ElasticEngine} from "../../core/engine";
import {ServerClient} from "../../core/engine/serverClient";
import type {SolveEvent} from "../../core/types";
import type {EngineService} from "../engineService";
import {errorCode, userMessage} from "../errors";
import {errorText} from "../l10n";
import {logFailure, logged, type Log} from "../log";

export const serverApiKeySecret = "elasticMath.server.apiKey";

/** Stores (or, given an empty value, removes) the API key. Returns what was done. */
export async function setServerApiKey(context: vscode.ExtensionContext, engines: EngineService, value?: string): Promise<"stored" | "removed" | "cancelled"> {
    const key = value ?? await vscode.window.showInputBox({
        title: vscode.l10n.t("Elastic Math: Server API Key"),
        prompt: vscode.l10n.t("The API key of the inference server (sent as a Bearer token). Stored in VS Code's secret storage, never in settings. Empty: remove the stored key."),
        password: true,
        ignoreFocusOut: true
    });
    if (key == null) return "cancelled";
    if (key.trim() === "") {
        await context.secrets.delete(serverApiKeySecret);
        engines.apiKeyChanged();
        vscode.window.setStatusBarMessage(vscode.l10n.t("Elastic Math: server API key removed"), 3000);
        return "removed";
    }
    await context.secrets.store(serverApiKeySecret, key.trim());
    engines.apiKeyChanged();
    vscode.window.setStatusBarMessage(vscode.l10n.t("Elastic Math: server API key stored"), 3000);
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
            else void vscode.window.showErrorMessage(check.report, vscode.l10n.t("Open Settings")).then((b) => {
                if (b != null) void vscode.commands.executeCommand("workbench.action.openSettings", "elasticMath.server");
            });
        }
        return check;
    };
    if (url === "") return show({ok: false, url, report: vscode.l10n.t("Elastic Math: no server URL. Set elasticMath.server.url (e.g. http://gpu-box:8000).")});
    const apiKey = await context.secrets.get(serverApiKeySecret);
    const format = await engines.current().format(); // logs and yields undefined when the format cannot be read
    return vscode.window.withProgress({location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Elastic Math: testing {0}", url), cancellable: true}, async (_p, token) => {
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
            return show({ok: false, url, report: userMessage(err)});
        }
        const modelNote = settings.server.model === "" ? vscode.l10n.t("no model set: using {0}", models[0] ?? vscode.l10n.t("the server's default"))
            : models.length === 0 || models.includes(settings.server.model) ? vscode.l10n.t("model {0}", settings.server.model) : vscode.l10n.t("model {0} is NOT among them", settings.server.model);
        const engine = new ElasticEngine({modelPath: "", format, server: {url, model: settings.server.model, apiKey, dialect: settings.server.api, timeoutMs: 30_000}});
        try {
            let deltas = 0;
            const r = await engine.solve({problem: "What is 1+1?", budget: {mode: "elastic", thinkTokens: 2, answerTokens: 2}, sampling: {temperature: 0},
                signal: controller.signal, onEvent: (e: SolveEvent) => { if (e.type === "delta") deltas++; }});
            const steps = engine.lastServerSteps ?? [];
            const usage = r.thinkingTokens <= 2 && r.solutionTokens <= 2 && r.thinkingTokens + r.solutionTokens > 0;
            const cache = steps.length > 1 ? steps[1]!.cachedPromptTokens : null;
            const report = [
                vscode.l10n.t("Elastic Math: {0} answers ({1}).", client.base, api === "llama.cpp" ? "llama.cpp /completion" : "OpenAI /v1/completions"),
                vscode.l10n.t("Models: {0}; {1}.", models.length > 0 ? models.join(", ") : vscode.l10n.t("(not listed)"), modelNote),
                vscode.l10n.t("Completions: yes. Streaming: {0}. Usage figures: {1}.", deltas > 0 ? vscode.l10n.t("yes") : vscode.l10n.t("no text streamed"),
                    usage ? vscode.l10n.t("yes (thinking {0}/2, solution {1}/2: budgets are exact)", r.thinkingTokens, r.solutionTokens) : vscode.l10n.t("NOT as asked")),
                cache != null ? vscode.l10n.t("Prompt cache: phase 2 reused {0} cached prompt tokens.", cache) : vscode.l10n.t("Prompt cache: not reported by the server (see docs/serving.md for the flags).")
            ].join(" ");
            return show({ok: usage, url, api, models, completions: true, streaming: deltas > 0, usage, promptCache: cache, report});
        } catch (err) {
            logFailure(log, `a test completion on ${url}`, err);
            return show({ok: false, url, api, models, completions: false, report: vscode.l10n.t("Elastic Math: {0} ({1}) lists {2}, but a completion failed: {3}", client.base, api, models.length > 0 ? models.join(", ") : vscode.l10n.t("no models"), errorText(errorCode(err), (err as Error).message))});
        } finally {
            await engine.dispose().catch(logged(log, "closing the test connection", undefined));
        }
    });
}
