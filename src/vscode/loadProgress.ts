/**
 * "Loading <model>..." as a VS Code progress notification, driven by node-llama-cpp's loadModel onLoadProgress
 * (the engine passes it through: see ElasticEngineOptions.onLoadProgress).
 *
 * The notification opens on the first progress event of a load and closes when the load reaches 100%, or when the
 * request that started the load ends (a failed load reports no 100%; the request's own error says why). Every event
 * is also recorded (bounded) for the extension's test API, since the extension host cannot read the workbench's
 * notifications.
 */
import * as path from "node:path";
import * as vscode from "vscode";

export interface LoadProgressEvent {
    readonly modelPath: string;
    /** "shown": the notification opened; "progress": a fraction; "closed": the notification closed. */
    readonly kind: "shown" | "progress" | "closed";
    /** 0..1 for "progress"; the last fraction seen for "closed". */
    readonly fraction: number;
}

const keptEvents = 500;

export class LoadProgressNotifier implements vscode.Disposable {
    /** Newest last (bounded). */
    public readonly events: LoadProgressEvent[] = [];
    private active: {modelPath: string; fraction: number; progress?: vscode.Progress<{message?: string; increment?: number}>; close: () => void} | undefined;

    /** The callback to give an engine loading `modelPath`. */
    public reporter(modelPath: string): (fraction: number) => void {
        return (fraction) => this.report(modelPath, fraction);
    }

    private report(modelPath: string, fraction: number): void {
        if (!Number.isFinite(fraction)) return;
        const f = Math.min(1, Math.max(0, fraction));
        if (this.active == null || this.active.modelPath !== modelPath) {
            this.settle();
            this.open(modelPath);
        }
        const a = this.active!;
        const increment = Math.max(0, (f - a.fraction) * 100);
        a.fraction = Math.max(a.fraction, f);
        this.record({modelPath, kind: "progress", fraction: f});
        a.progress?.report({increment, message: `${Math.floor(a.fraction * 100)}%`});
        if (f >= 1) this.settle();
    }

    private open(modelPath: string): void {
        let close!: () => void;
        const closed = new Promise<void>((resolve) => { close = resolve; });
        const active: NonNullable<typeof this.active> = {modelPath, fraction: 0, close};
        this.active = active;
        this.record({modelPath, kind: "shown", fraction: 0});
        void vscode.window.withProgress({
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t("Elastic Math: loading {0}", path.basename(modelPath).replace(/\.gguf$/i, "")),
            cancellable: false
        }, async (progress) => {
            active.progress = progress;
            if (active.fraction > 0) progress.report({increment: active.fraction * 100, message: `${Math.floor(active.fraction * 100)}%`});
            await closed;
        });
    }

    /** Closes the notification of the load in progress, if any (the load finished or the request that ran it ended). */
    public settle(): void {
        const a = this.active;
        if (a == null) return;
        this.active = undefined;
        this.record({modelPath: a.modelPath, kind: "closed", fraction: a.fraction});
        a.close();
    }

    private record(event: LoadProgressEvent): void {
        this.events.push(event);
        if (this.events.length > keptEvents) this.events.splice(0, this.events.length - keptEvents);
    }

    public dispose(): void {
        this.settle();
    }
}
