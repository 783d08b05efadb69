/**
 * Where a view's request cards live (the panel's feed, the chat's turns), and the one place the turn messages are
 * applied (request, status, started, render, cut, forced, done, error) and finished records are shown.
 */
import type {BudgetView, RenderedRecord, RequestRecord, ToViewTurnMessage} from "../protocol/messages";
import {t} from "./l10n";
import {applyRender, buildCard, type Card, type CardActions, setStatus, showActions, showCut, showFinal, showForced, showStarted, showStats} from "./card";

export interface TurnFeedOptions {
    /** Extra class and label of each card (the chat's turns). */
    readonly cardClass?: string;
    readonly cardLabel?: string;
    /** A finished request (done, stopped or failed), e.g. to keep it in the page's saved state. */
    readonly onFinished?: (record: RequestRecord) => void;
}

export class TurnFeed {
    public readonly cards = new Map<string, Card>();

    public constructor(private readonly container: HTMLElement, private readonly actions: CardActions, private readonly options: TurnFeedOptions = {}) {}

    public add(id: string, problemHtml: string, budget: BudgetView, model: string): Card {
        const card = buildCard(id, problemHtml, budget, model, this.actions);
        if (this.options.cardClass != null) card.root.classList.add(this.options.cardClass);
        if (this.options.cardLabel != null) card.root.setAttribute("aria-label", this.options.cardLabel);
        this.cards.get(id)?.root.remove();
        this.cards.set(id, card);
        this.container.append(card.root);
        return card;
    }

    /** A finished request as it was (after a reload, or a past conversation). */
    public showRecord(item: RenderedRecord): Card {
        const {record} = item;
        const card = this.add(record.id, item.problemHtml, record.budget, record.stats?.model ?? "");
        card.thinkingPending.innerHTML = item.thinkingHtml;
        card.solutionPending.innerHTML = item.solutionHtml;
        card.thinking.open = false;
        if (record.stats != null) {
            showStats(card, record.stats);
            if (record.stats.thinkingCut) showCut(card, record.stats.thinkingTokens);
        }
        this.finish(card, record, item.answerHtml);
        if (item.dropped === true) card.root.classList.add("em-dropped");
        return card;
    }

    /** Applies one turn message; returns the card it created (a `request`), if any. */
    public apply(message: ToViewTurnMessage): Card | undefined {
        if (message.type === "request") return this.add(message.id, message.problemHtml, message.budget, message.model);
        const card = this.cards.get(message.id);
        if (card == null) return undefined;
        switch (message.type) {
            case "status": setStatus(card, message.status, message.position, message.detail); break;
            case "started": showStarted(card, message.model, message.device); break;
            case "render": applyRender(card, message); break;
            case "cut": showCut(card, message.thinkingTokens); break;
            case "forced": showForced(card, message.thinkingTokens, message.count); break;
            case "done":
                showStats(card, message.stats);
                this.finish(card, message.record, message.answerHtml);
                break;
            case "error": this.finish(card, message.record, null); break;
            default: {
                const unhandled: never = message;
                console.warn("unhandled message", unhandled);
            }
        }
        return undefined;
    }

    private finish(card: Card, record: RequestRecord, answerHtml: string | null): void {
        setStatus(card, record.status);
        if (record.thinking === "") card.thinking.hidden = true;
        showActions(card, record);
        if (record.status === "error") {
            card.status.textContent = t("Error: {0}", record.error ?? t("unknown"));
            card.root.classList.add("em-card-error");
            // Failed before any solution (e.g. a problem longer than the context): no "Solution 0 / 1024" meter for a
            // phase that never ran.
            if (record.solution === "") card.solutionSection.hidden = true;
        }
        showFinal(card, answerHtml);
        this.options.onFinished?.(record);
    }

    /** Removes the finished cards (the panel's Clear); returns how many cards are left. */
    public removeFinished(): number {
        for (const [id, card] of this.cards) {
            const s = card.root.dataset.status;
            if (s === "done" || s === "stopped" || s === "error") {
                card.root.remove();
                this.cards.delete(id);
            }
        }
        return this.cards.size;
    }

    public clear(): void {
        this.cards.clear();
        this.container.replaceChildren();
    }
}
