import * as vscode from "vscode";
import {normalizeMacros, type RenderOptions} from "../render";
import {readSettings} from "./settings";

/**
 * Render options from the settings (`elasticMath.render.macros`), read when a request starts, so a change
 * applies to the next answer. Bad entries are dropped and reported once per distinct problem set.
 */
let lastReported = "";

export function readRenderOptions(): RenderOptions {
    const raw = readSettings().renderMacros;
    const {macros, problems} = normalizeMacros(raw);
    const report = problems.join("; ");
    if (report !== "" && report !== lastReported)
        void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: some entries of elasticMath.render.macros were ignored: {0}", report));
    lastReported = report;
    return Object.keys(macros).length > 0 ? {macros} : {};
}
