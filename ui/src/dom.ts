/**
 * The one way views build DOM: elements from a tag and a closed set of
 * properties, children as nodes or text. Strings always become text nodes;
 * there is no innerHTML, no arbitrary attribute, no href (gateway data can
 * never become markup, an event handler or a `javascript:` link).
 */
export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  id?: string;
  type?: string;
  name?: string;
  value?: string;
  placeholder?: string;
  title?: string;
  role?: string;
  for?: string;
  autocomplete?: string;
  disabled?: boolean;
  hidden?: boolean;
  required?: boolean;
  checked?: boolean;
  open?: boolean;
  tabIndex?: number;
  label?: string;
  live?: "polite" | "assertive";
  current?: boolean;
  expanded?: boolean;
  testid?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, ...c);
    else if (c instanceof Node) parent.appendChild(c);
    else parent.appendChild(document.createTextNode(String(c)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    const p = props;
    if (p.class) el.className = p.class;
    if (p.id) el.id = p.id;
    if (p.title !== undefined) el.title = p.title;
    if (p.role) el.setAttribute("role", p.role);
    if (p.label !== undefined) el.setAttribute("aria-label", p.label);
    if (p.live) el.setAttribute("aria-live", p.live);
    if (p.current) el.setAttribute("aria-current", "page");
    if (p.expanded !== undefined) el.setAttribute("aria-expanded", String(p.expanded));
    if (p.testid) el.dataset.testid = p.testid;
    if (p.hidden) el.hidden = true;
    if (p.tabIndex !== undefined) el.tabIndex = p.tabIndex;
    if (el instanceof HTMLInputElement || el instanceof HTMLButtonElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
      if (p.name) el.name = p.name;
      if (p.disabled) el.disabled = true;
      if (p.type && !(el instanceof HTMLSelectElement) && !(el instanceof HTMLTextAreaElement)) el.type = p.type;
      if (p.value !== undefined) el.value = p.value;
    }
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
      if (p.placeholder !== undefined) el.placeholder = p.placeholder;
      if (p.required) el.required = true;
      if (p.autocomplete) el.autocomplete = p.autocomplete as AutoFill;
    }
    if (el instanceof HTMLOptionElement && p.value !== undefined) el.value = p.value;
    if (el instanceof HTMLInputElement && p.checked) el.checked = true;
    if (el instanceof HTMLLabelElement && p.for) el.htmlFor = p.for;
    if (el instanceof HTMLDetailsElement && p.open) el.open = true;
    if (p.on) for (const [ev, fn] of Object.entries(p.on)) el.addEventListener(ev, fn as EventListener);
  }
  append(el, ...children);
  return el;
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}
