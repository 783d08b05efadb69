import type {EngineService} from "../engineService";

/**
 * Makes sure a model is configured: shows the first-run offer (`firstRun`, the model manager's) when none is.
 * False when there still is none. Commands with a model manager call its `ensureModel()`; this form is for
 * commands handed only the offer.
 */
export async function ensureModel(engines: EngineService, firstRun?: () => Promise<string | undefined>): Promise<boolean> {
    if (engines.hasModel) return true;
    return firstRun != null && (await firstRun()) != null;
}
