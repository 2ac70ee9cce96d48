// DOM building helpers. Text always goes in as textContent, so names from
// the database can never inject markup.

/** A new element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, textContent?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (textContent !== undefined) node.textContent = textContent;
  return node;
}

/** A type="button" button. */
export function button(className: string, label: string, onClick: (e: MouseEvent) => void): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

/** The element with this id in index.html; a missing one is a bug. */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id} in index.html`);
  return node as T;
}

/** A titled section of a side-panel detail view. */
export function section(title: string, content: HTMLElement): HTMLElement {
  const s = el('section', 'detail-section');
  s.append(el('h4', 'detail-section-title', title), content);
  return s;
}

/** A side panel's notice line; role 'alert' for news the reader must not miss. */
export function noticeLine(textContent: string, role: 'status' | 'alert'): HTMLParagraphElement {
  const n = el('p', 'detail-notice', textContent);
  n.setAttribute('role', role);
  return n;
}

/** One option of a segmented radio group (a fieldset.segmented): its label, holding the radio. */
export function segment(group: string, value: string, checked: boolean, name: string, hint: string): { label: HTMLLabelElement; input: HTMLInputElement } {
  const label = el('label', 'segment');
  const input = el('input');
  input.type = 'radio';
  input.name = group;
  input.value = value;
  input.checked = checked;
  label.append(input, el('span', 'segment-name', name), el('span', 'segment-hint', hint));
  return { label, input };
}

/** What formFields gives a form: its field builder and error display. */
export interface FormFields {
  /** A labelled field box for control, with an error line under it. */
  field(name: string, label: string, control: HTMLElement, extra?: HTMLElement): HTMLDivElement;
  /** Each field's error line, by field name. */
  errorsAt: Map<string, HTMLElement>;
  /** Shows these errors (by field name) and clears the others. */
  showErrors(errors: Readonly<Partial<Record<string, string>>>): void;
  /** Focuses (and scrolls to) the first field in page order that shows an error; false when none does. */
  focusFirstError(): boolean;
}

/**
 * Field boxes for one form; ids are `${idPrefix}-${name}`. A fieldset gets
 * a span for its label, since a label cannot point at it.
 */
export function formFields(idPrefix: string): FormFields {
  const errorsAt = new Map<string, HTMLElement>();
  const controls = new Map<string, HTMLElement>();
  return {
    field(name, label, control, extra) {
      const box = el('div', 'form-field');
      box.dataset.field = name;
      control.id = `${idPrefix}-${name}`;
      const lab = el(control instanceof HTMLFieldSetElement ? 'span' : 'label', 'label', label);
      if (lab instanceof HTMLLabelElement) lab.htmlFor = control.id;
      const err = el('p', 'field-error');
      err.id = `${control.id}-error`;
      control.setAttribute('aria-describedby', err.id);
      errorsAt.set(name, err);
      controls.set(name, control);
      box.append(lab, control);
      if (extra) box.append(extra);
      box.append(err);
      return box;
    },
    errorsAt,
    showErrors(errors) {
      for (const [name, err] of errorsAt) {
        err.textContent = errors[name] ?? '';
        controls.get(name)?.setAttribute('aria-invalid', String(Boolean(errors[name])));
      }
    },
    focusFirstError() {
      // Fields were added in page order, and a Map keeps that order.
      for (const [name, err] of errorsAt) {
        if (!err.textContent) continue;
        const control = controls.get(name)!;
        // A group (the stars) takes focus on its first control.
        const target = control.matches('input, select, textarea, button') ? control : control.querySelector<HTMLElement>('input, select, textarea, button');
        (target ?? control).focus({ preventScroll: true });
        control.closest('.form-field')?.scrollIntoView({ block: 'nearest' });
        return true;
      }
      return false;
    },
  };
}
