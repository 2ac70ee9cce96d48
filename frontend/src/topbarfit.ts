// Keeps every top-bar control whole, whatever the width and role: when the
// bar is too narrow the tools first drop their labels (icons, with their
// aria-label and tooltip), then the last ones move into the 更多 menu.
// Nothing is clipped, scrolled away or left focusable but unseen (an admin
// at 1366 px used to Tab onto a 数据导入 cut to 14 px).
//
// The tools are added by several controllers; this only moves their
// buttons, which keep their ids and listeners.

export interface TopbarParts {
  bar: HTMLElement;
  nav: HTMLElement;
  /** The 更多 button's wrapper (hidden when every tool fits). */
  more: HTMLElement;
  moreButton: HTMLButtonElement;
  menu: HTMLElement;
  /** The bar's last control: the bar overflows when it sticks out. */
  last: HTMLElement;
}

export function installTopbarFit(p: TopbarParts): { fit(): void } {
  let order = 0;
  const orderOf = (b: HTMLElement) => Number((b.dataset.toolOrder ??= String(order++)));

  function overflows(): boolean {
    const bar = p.bar.getBoundingClientRect();
    const pad = parseFloat(getComputedStyle(p.bar).paddingRight) || 0;
    return p.last.getBoundingClientRect().right > bar.right - pad + 0.5;
  }

  const visibleTools = () => [...p.nav.children].filter((c): c is HTMLElement => c instanceof HTMLElement && !c.hidden);

  function fit(): void {
    stopWatching();
    // Moving a button takes its focus away: give it back after.
    const focused = document.activeElement;
    try {
      // Everything back in the bar, in the order the tools came.
      const all = [...p.nav.children, ...p.menu.children].filter((c): c is HTMLElement => c instanceof HTMLElement);
      for (const c of all) orderOf(c); // newcomers numbered in page order
      all.sort((a, b) => orderOf(a) - orderOf(b));
      p.nav.append(...all);
      p.bar.classList.remove('compact');
      p.more.hidden = true;
      // Not on screen (the login view): nothing to measure.
      if (p.bar.getClientRects().length === 0 || !overflows()) return;
      p.bar.classList.add('compact');
      if (!overflows()) return;
      p.more.hidden = false;
      const tools = visibleTools();
      while (overflows() && tools.length > 0) p.menu.prepend(tools.pop()!);
    } finally {
      watch();
    }
    if (p.menu.children.length === 0) setMenuOpen(false);
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.closest('[hidden]') === null) focused.focus();
  }

  function setMenuOpen(open: boolean): void {
    p.menu.hidden = !open;
    p.moreButton.setAttribute('aria-expanded', String(open));
    p.moreButton.setAttribute('aria-pressed', String(open));
  }

  p.moreButton.addEventListener('click', () => {
    const open = p.menu.hidden;
    setMenuOpen(open);
    if (open) p.menu.querySelector<HTMLElement>('.tool:not([hidden])')?.focus();
  });
  // A tool chosen from the menu: the menu has done its job (the tool's own
  // handler has run by now, so its dock, dialog or menu is opening).
  p.menu.addEventListener('click', (e) => {
    if ((e.target as Element).closest('.tool')) setMenuOpen(false);
  });
  document.addEventListener('click', (e) => {
    if (!p.menu.hidden && !p.more.contains(e.target as Node)) setMenuOpen(false);
  });
  p.more.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !p.menu.hidden) {
      setMenuOpen(false);
      p.moreButton.focus();
    }
  });

  // Both observers call back before the next paint: the bar never shows
  // (and a test never catches) a tool about to move.
  const schedule = () => fit();
  const resize = new ResizeObserver(schedule);
  resize.observe(p.bar);
  resize.observe(p.last);
  // The menu opening or closing changes no tool: refitting then would move
  // the focused first tool out and back, dropping the focus on <body>.
  const menuToggled = (r: MutationRecord) => r.type === 'attributes' && r.target === p.menu;
  const mutations = new MutationObserver((records) => {
    if (!records.every(menuToggled)) fit();
  });
  function watch(): void {
    // Tools added, removed, shown or hidden; the search box put in the bar.
    mutations.observe(p.nav, { childList: true, attributes: true, attributeFilter: ['hidden'], subtree: true });
    mutations.observe(p.menu, { childList: true, attributes: true, attributeFilter: ['hidden'], subtree: true });
    mutations.observe(p.bar, { childList: true });
  }
  function stopWatching(): void {
    mutations.takeRecords();
    mutations.disconnect();
  }
  watch();
  void document.fonts?.ready.then(schedule);
  return { fit };
}
