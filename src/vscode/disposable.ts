import * as vscode from "vscode";

/** A small base for objects that own registrations: everything `_register`ed is disposed with it. */
export abstract class Disposable implements vscode.Disposable {
    private readonly _disposables: vscode.Disposable[] = [];
    private _disposed = false;

    public get disposed(): boolean {
        return this._disposed;
    }

    protected _register<T extends vscode.Disposable>(value: T): T {
        if (this._disposed) value.dispose();
        else this._disposables.push(value);
        return value;
    }

    public dispose(): void {
        if (this._disposed) return;
        this._disposed = true;
        while (this._disposables.length > 0) {
            try {
                this._disposables.pop()!.dispose();
            } catch (err) {
                console.error("[elastic-math] dispose failed", err);
            }
        }
    }
}

/** One cancellation adapter: VS Code's CancellationToken at the edge, AbortSignal inside core. */
export function abortSignalFromToken(token: vscode.CancellationToken): {signal: AbortSignal; dispose(): void} {
    const controller = new AbortController();
    if (token.isCancellationRequested) controller.abort();
    const listener = token.onCancellationRequested(() => controller.abort());
    return {signal: controller.signal, dispose: () => listener.dispose()};
}
