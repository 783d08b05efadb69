import type {PageContent} from "./webviewHost";

/** The Tutor panel's page: static markup only (the script fills it with what the host rendered). */
export const tutorPage: PageContent = {
    title: "Elastic Math Tutor", styles: ["tutor.css"], script: "tutor.js",
    body: `
<div class="tu-title">Problem</div>
<div id="problem" class="tu-problem"></div>
<div id="budget" class="tu-budget"></div>
<div id="status" class="tu-status" role="status" aria-live="polite"></div>
<form id="check-form" class="tu-check-form">
  <input id="answer" type="text" placeholder="Your answer, e.g. \\frac{1}{2} or (1, 3)" aria-label="Your answer" autocomplete="off" spellcheck="false">
  <button id="check" type="submit" class="em-button primary">Check My Answer</button>
</form>
<div id="check-result" aria-live="polite"></div>
<div class="tu-actions">
  <button id="hint" type="button" class="em-button">Hint</button>
  <button id="step" type="button" class="em-button">Step by Step</button>
  <button id="vote-button" type="button" class="em-button">Majority Vote</button>
  <button id="show-solution" type="button" class="em-button">Show Full Solution</button>
  <button id="stop" type="button" class="em-button" hidden>Stop</button>
</div>
<div id="hints"></div>
<div id="steps"></div>
<div id="vote" class="tu-vote" hidden></div>
<div id="solution" hidden></div>
`
};
