// A message that answers a button at the bottom of a long form appears below the window's edge,
// where the clerk does not look: `v-shown` brings it into view, with a margin so that it does
// not sit on the edge, when it appears or changes.
import type { Directive } from "vue";

function show(el: HTMLElement) {
  el.style.scrollMargin = "1rem";
  el.scrollIntoView?.({ block: "nearest" });
}

export const vShown: Directive<HTMLElement> = { mounted: show, updated: show };
