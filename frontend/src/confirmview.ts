// Confirmations where the user is looking. A panel re-renders after a
// submission (已登记走访, 方案已应用, 已催办 …) with the notice at its top,
// while the panel stays scrolled down where the form was: on a phone the
// confirmation was out of sight. Whatever view writes the notice, it is
// brought into view, and takes the focus the removed form held.
export function keepNoticesInView(body: HTMLElement): void {
  const show = (n: HTMLElement) => {
    const a = document.activeElement;
    // Someone typing (a live reload can add a notice above a kept form)
    // keeps their field and their place.
    if (a?.isConnected && a.matches('input, textarea, select, [contenteditable="true"]')) return;
    n.scrollIntoView({ block: 'nearest' });
    // Focus only when it was lost (the submit button went with the old
    // form) or is on a button of the panel.
    if (!a || a === document.body || !a.isConnected || body.contains(a)) {
      n.tabIndex = -1;
      n.focus({ preventScroll: true });
    }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        const n = node.matches('.detail-notice') ? node : node.querySelector<HTMLElement>('.detail-notice');
        // A notice in a sub-view (a form's own error line) stays where it is.
        if (n && n.textContent?.trim()) {
          show(n);
          return;
        }
      }
    }
  }).observe(body, { childList: true, subtree: true });
}
