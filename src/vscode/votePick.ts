import * as vscode from "vscode";

/** Largest k the pick accepts (the engine's limit is 256; more would mostly wait). */
export const MAX_VOTE_SAMPLES = 64;

/**
 * Asks how many samples the majority vote takes: 4, 8, 16 or a typed number; the `elasticMath.tutor.voteSamples`
 * setting is the default (first and selected, added when it is none of the three), named as the Settings editor
 * shows it, not by its id. Undefined when dismissed.
 */
export async function pickVoteSamples(defaultK: number): Promise<number | undefined> {
    type Item = vscode.QuickPickItem & {k?: number};
    const ks = [...new Set([defaultK, 4, 8, 16])];
    const items: Item[] = ks.map((k) => ({
        label: vscode.l10n.t("{0} samples", k),
        description: k === defaultK ? vscode.l10n.t("your default (Settings: Tutor: Vote Samples)") : undefined,
        detail: k === defaultK ? vscode.l10n.t("More samples: a steadier vote, more time (parallel when memory allows).") : undefined,
        k
    }));
    items.push({label: "", kind: vscode.QuickPickItemKind.Separator});
    items.push({label: vscode.l10n.t("Custom..."), description: vscode.l10n.t("type a number from 1 to {0}", MAX_VOTE_SAMPLES)});
    const picked = await vscode.window.showQuickPick(items, {title: vscode.l10n.t("Elastic Math: majority vote"), placeHolder: vscode.l10n.t("How many solutions to sample and vote on?"), ignoreFocusOut: true});
    if (picked == null) return undefined;
    if (picked.k != null) return picked.k;
    const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t("Elastic Math: majority vote"), prompt: vscode.l10n.t("Samples (1 to {0})", MAX_VOTE_SAMPLES), value: String(defaultK), ignoreFocusOut: true,
        validateInput: (v) => parseVoteSamples(v) == null ? vscode.l10n.t("A whole number from 1 to {0}.", MAX_VOTE_SAMPLES) : undefined
    });
    return typed == null ? undefined : parseVoteSamples(typed);
}

export function parseVoteSamples(text: string): number | undefined {
    const t = text.trim();
    if (!/^\d+$/.test(t)) return undefined;
    const k = Number(t);
    return k >= 1 && k <= MAX_VOTE_SAMPLES ? k : undefined;
}
