// The search box in the top bar (an ARIA combobox over a grouped listbox):
// type a few characters of a name, credit code, address, liaison, grid or
// request; choosing a result flies the map to it and opens its panel. On a
// phone the box opens from a 搜索 button and covers the top bar; on a laptop,
// where the bar is full, it drops down from that button.
import { el } from '../dom';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { groupResults, keyAction, MAX_QUERY, parseSearchResults, SEARCH_LIMIT, searchMessage, SearchRunner, type SearchResult, type SearchState } from '../search';
import { shell as page } from '../shell';
import { gridPopupContent } from './interactions';

const LIST_ID = 'search-list';
const optionId = (i: number) => `search-opt-${i}`;

export function searchController(): Controller {
  let shell: MapShell;
  let results: SearchResult[] = [];
  let active = -1;
  let runner: SearchRunner;
  /** The next focus of the box is ours, after a choice: it does not reopen the list. */
  let quiet = false;

  const root = el('div', 'search');
  root.setAttribute('role', 'search');
  const opener = el('button', 'search-open');
  opener.type = 'button';
  opener.setAttribute('aria-label', '搜索');
  opener.setAttribute('aria-expanded', 'false');
  opener.setAttribute('aria-controls', 'search-box');
  opener.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5 21 21"/></svg>';
  const box = el('div', 'search-box');
  box.id = 'search-box';
  const input = el('input', 'search-input');
  Object.assign(input, { type: 'search', id: 'search-input', autocomplete: 'off', spellcheck: false, maxLength: MAX_QUERY });
  input.placeholder = '搜索企业、信用代码、地址、联络员、网格、诉求';
  input.enterKeyHint = 'search';
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-label', '搜索');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', LIST_ID);
  const close = el('button', 'search-close', '取消');
  close.type = 'button';
  const list = el('div', 'search-list');
  list.id = LIST_ID;
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', '搜索结果');
  list.hidden = true;
  const status = el('p', 'search-status');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const popup = el('div', 'search-popup');
  popup.hidden = true;
  popup.append(status, list);
  box.append(input, close, popup);
  root.append(opener, box);

  function setOpen(open: boolean): void {
    popup.hidden = !open;
    list.hidden = !open || results.length === 0;
    input.setAttribute('aria-expanded', String(open && results.length > 0));
    if (!open) setActive(-1);
  }

  function setActive(i: number): void {
    active = i;
    for (const o of list.querySelectorAll<HTMLElement>('[role="option"]')) {
      o.setAttribute('aria-selected', String(o.id === optionId(i)));
    }
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', optionId(i));
      document.getElementById(optionId(i))?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render(state: SearchState): void {
    status.textContent = searchMessage(state);
    results = state.phase === 'done' ? state.results : state.phase === 'searching' ? results : [];
    if (state.phase === 'idle') {
      list.replaceChildren();
      setOpen(false);
      return;
    }
    if (state.phase === 'done') {
      list.replaceChildren(
        ...groupResults(results).map((g) => {
          const group = el('div', 'search-group');
          group.setAttribute('role', 'group');
          const head = el('div', 'search-group-label', g.label);
          head.id = `search-group-${g.kind}`;
          group.setAttribute('aria-labelledby', head.id);
          group.append(head);
          for (const { result, index } of g.items) group.append(option(result, index));
          return group;
        }),
      );
    }
    setOpen(document.activeElement === input || root.classList.contains('open'));
    setActive(-1);
  }

  function option(r: SearchResult, index: number): HTMLElement {
    const o = el('div', 'search-option');
    o.id = optionId(index);
    o.setAttribute('role', 'option');
    o.setAttribute('aria-selected', 'false');
    o.dataset.kind = r.kind;
    o.dataset.id = String(r.id);
    o.append(el('span', 'search-option-label', r.label));
    if (r.sublabel) o.append(el('span', 'search-option-sub', r.sublabel));
    // Keep the focus in the box: a tap or click chooses without blurring first.
    o.addEventListener('mousedown', (e) => e.preventDefault());
    o.addEventListener('click', () => choose(index));
    return o;
  }

  function choose(i: number): void {
    const r = results[i];
    if (!r) return;
    const { act, store } = shell;
    input.value = r.label;
    runner.reset();
    setOpen(false);
    openBox(false);
    input.blur();
    switch (r.kind) {
      case 'org':
        act.openOrg(r.id);
        if (r.point) shell.flyTo(r.point);
        focusPanel();
        break;
      case 'request':
        act.openRequest(r.id);
        if (r.point) shell.flyTo(r.point);
        focusPanel();
        break;
      case 'liaison':
        if (r.point) {
          shell.flyTo(r.point);
          shell.showPopup(r.point, { title: r.label, rows: [['所属网格', r.sublabel]] });
        }
        focusBack();
        break;
      case 'grid': {
        if (r.bbox) shell.fitAbove(r.bbox);
        act.selectGrid(r.id);
        const grid = store.get().gridById.get(r.id);
        if (grid && r.point) shell.showPopup(r.point, gridPopupContent(grid));
        focusBack();
        break;
      }
    }
  }

  /**
   * Moves the focus to the heading of the panel that opened, once it
   * shows: a keyboard or screen-reader user goes on from there, not from
   * the top of the page.
   */
  function focusPanel(): void {
    const detail = document.getElementById('detail');
    const heading = document.getElementById('detail-heading');
    if (!detail || !heading) return;
    heading.tabIndex = -1;
    let frames = 60; // a request's panel shows once it has loaded
    const attempt = () => {
      if (!detail.hidden) heading.focus({ preventScroll: true });
      else if (frames-- > 0) requestAnimationFrame(attempt);
    };
    attempt();
  }

  /** After a liaison or grid (a popup on the map): back to 搜索, or to the box where it stays open. */
  function focusBack(): void {
    if (opener.offsetParent !== null) {
      opener.focus();
      return;
    }
    quiet = true;
    input.focus();
  }

  /** On a phone: the box covers the top bar while searching. */
  function openBox(open: boolean): void {
    root.classList.toggle('open', open);
    opener.setAttribute('aria-expanded', String(open));
    if (open) input.focus();
  }

  // While an IME composes (拼音 letters before the characters are chosen),
  // nothing is searched: the composed characters are, when it ends.
  /** Closes the box opened from the 搜索 button, giving the focus back to it. */
  function closeBox(): void {
    setOpen(false);
    openBox(false);
    if (opener.offsetParent !== null) opener.focus();
  }

  input.addEventListener('input', (e) => {
    if (!(e as InputEvent).isComposing) runner.input(input.value);
  });
  input.addEventListener('compositionend', () => runner.input(input.value));
  input.addEventListener('focus', () => {
    if (quiet) quiet = false;
    else if (results.length > 0 || status.textContent) setOpen(true);
  });
  input.addEventListener('blur', () => setOpen(false));
  // Tab (or a tap) out of the box closes it, as Escape does.
  root.addEventListener('focusout', (e) => {
    if (e.relatedTarget instanceof Node && root.contains(e.relatedTarget)) return;
    setOpen(false);
    openBox(false);
  });
  input.addEventListener('keydown', (e) => {
    if (e.isComposing) return; // an IME is still composing the characters
    // While a newer query waits for its pause or its answer, the listed
    // results are the old query's: none may be chosen (Enter searches now).
    const a = keyAction(e.key, active, runner.pending ? 0 : results.length, !popup.hidden);
    switch (a.type) {
      case 'move':
        e.preventDefault();
        setOpen(true);
        setActive(a.index);
        break;
      case 'choose':
        e.preventDefault();
        choose(a.index);
        break;
      case 'close':
        e.preventDefault();
        if (!popup.hidden) setOpen(false);
        else if (root.classList.contains('open')) closeBox();
        else {
          input.value = '';
          runner.input('');
        }
        break;
      case 'none':
        // Enter before the pause ended: search now, then choose with Enter again.
        if (e.key === 'Enter') {
          e.preventDefault();
          void runner.flush();
        }
    }
  });
  opener.addEventListener('click', () => openBox(true));
  close.addEventListener('click', () => closeBox());

  return {
    mount(s) {
      shell = s;
      // Sign-out unmounts: reset() aborts a search under way.
      runner = new SearchRunner(async (q, signal) => parseSearchResults(await s.api.search(q, SEARCH_LIMIT, signal)), render);
      page.status.before(root);
    },
    unmount() {
      runner.reset();
      root.remove();
    },
  };
}
