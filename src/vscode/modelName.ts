/**
 * The name users see for the configured model (the status bar, the panels' footers, the chat's model list). Reads only
 * settings: the status bar shows it at startup, before anything heavy (node-llama-cpp, the renderer) is loaded.
 */
import * as path from "node:path";
import {configuredModel, type Settings} from "./settings";

/**
 * The name users see for a model file. The scripted fixtures the tests write (and `npm start` uses when no model is
 * given) are labelled as test models, so nobody mistakes their canned text for a model's math.
 */
export function displayModelName(modelPath: string): string {
    if (modelPath === "") return "no model";
    const name = path.basename(modelPath).replace(/\.gguf$/i, "");
    return /[\\/]test[\\/]fixtures[\\/]models[\\/]/.test(modelPath) ? `${name} (scripted test model)` : name;
}

/** "E1-Math-7B @ gpu-box:8000" (the footer and the status bar say which server answers). */
export function serverModelName(settings: Settings): string {
    let host = settings.server.url;
    try { host = new URL(settings.server.url).host; } catch { /* not a URL: shown as written (Test Server Connection says what is wrong) */ }
    return `${settings.server.model !== "" ? settings.server.model : "server model"} @ ${host}`;
}

/** The configured model's path (or server URL: "" when none) and the name shown for it. */
export function configuredModelName(settings: Settings): {readonly modelPath: string; readonly modelName: string} {
    const modelPath = configuredModel(settings);
    return {modelPath, modelName: settings.backend === "server" ? serverModelName(settings) : displayModelName(modelPath)};
}
