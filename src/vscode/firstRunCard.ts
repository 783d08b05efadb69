/**
 * The first-run offer inside the solution panel: opened with no model configured, the panel shows a card with
 * "Download E1-Math-1.5B (about 1.1 GB)" and "Choose a GGUF file..." (the same offer as the notification of
 * ModelManager.offerFirstRun). Its buttons post a `firstRun` message; the host then downloads the recommended model
 * (with the progress notification) or opens the file dialog. The card goes away once a model is configured.
 */
import * as vscode from "vscode";
import {isNonCommercial} from "../core/catalog";
import type {FirstRunAction, FirstRunOfferView} from "../protocol/messages";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import {logged, type Log} from "./log";
import {chooseFileLabel, firstRunMessage, type ModelManager} from "./modelManager";
import type {SolveController} from "./solveController";


export class FirstRunCard extends Disposable {
    private shown = false;

    public constructor(private readonly controller: SolveController, private readonly engines: EngineService, private readonly models: ModelManager,
        private readonly log: Log) {
        super();
        this._register(controller.onFirstRunAction((action) => void this.run(action).catch(logged(log, `the first-run card's "${action}"`, undefined))));
        this._register(engines.onDidChange(() => {
            if (this.shown && engines.hasModel) this.hide();
        }));
        // A window reload restores the panel through its serializer, not through Show Solution Panel: offer again.
        this._register(controller.panel.onDidRestore(() => void this.refresh()));
    }

    /** Shows the offer in the panel when no model is configured (called when the panel is opened). */
    public async refresh(): Promise<void> {
        if (this.engines.hasModel) {
            if (this.shown) this.hide();
            return;
        }
        const offer = await this.models.firstRunOffer().catch(logged(this.log, "reading the catalog for the first-run card", undefined));
        const view: FirstRunOfferView = {
            message: firstRunMessage(),
            downloadLabel: offer?.label ?? null,
            note: offer != null && isNonCommercial(offer.entry.license) ? `${offer.entry.name} is ${offer.entry.license}: non-commercial use only.` : null,
            chooseLabel: chooseFileLabel()
        };
        this.shown = true;
        this.controller.postToPanel({type: "firstRun", offer: view});
    }

    private hide(): void {
        this.shown = false;
        this.controller.postToPanel({type: "firstRun", offer: null});
    }

    /** A button of the card. Errors are shown by the model manager itself (download failures, bad files). */
    private async run(action: FirstRunAction): Promise<void> {
        if (action === "download") {
            const offer = await this.models.firstRunOffer();
            if (offer == null) {
                void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: no downloadable model is in the catalog. Choose a GGUF file instead."));
                return;
            }
            await this.models.download(offer.entry, offer.file);
        } else if (action === "chooseFile") {
            await this.models.pickFile();
        }
        if (this.engines.hasModel && this.shown) this.hide();
    }
}
