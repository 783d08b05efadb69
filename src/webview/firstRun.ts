/**
 * The first-run card of the solution panel (browser code): no model is configured, so it offers the recommended
 * download and a local GGUF file. Text only (textContent): the labels come from the host's catalog.
 */
import type {FirstRunAction, FirstRunOfferView} from "../protocol/messages";
import {el} from "./card";
import {t} from "./l10n";

const cardId = "em-first-run";

/** Shows (or with null removes) the card at the top of `feed`; a button calls `act` with its action. */
export function showFirstRun(feed: HTMLElement, offer: FirstRunOfferView | null, act: (action: FirstRunAction) => void): void {
    document.getElementById(cardId)?.remove();
    if (offer == null) return;
    const card = el("section", "em-card em-first-run");
    card.id = cardId;
    card.setAttribute("aria-label", t("Choose a model"));
    card.append(el("h2", "em-first-run-title", t("No model yet")), el("p", "em-first-run-message", offer.message));
    const buttons = el("div", "em-first-run-actions");
    const button = (label: string, action: FirstRunAction, primary: boolean) => {
        const b = el("button", `em-button${primary ? " em-primary" : ""}`, label);
        b.type = "button";
        b.dataset.action = action === "download" ? "first-run-download" : "first-run-choose";
        b.addEventListener("click", () => act(action));
        buttons.append(b);
    };
    if (offer.downloadLabel != null) button(offer.downloadLabel, "download", true);
    button(offer.chooseLabel, "chooseFile", offer.downloadLabel == null);
    card.append(buttons);
    if (offer.note != null) card.append(el("p", "em-first-run-note", offer.note));
    feed.prepend(card);
}
