/**
 * The page's only DOM helper. Everything shown comes from a database someone uploaded, so text always
 * goes in as text nodes, never as HTML.
 */

export type Child = Node | string | number | null | undefined | false | Child[];

/** Attributes by name; `on…` entries become event listeners, `false`/`null` leave the attribute out. */
export type Props = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Creates an element with attributes, listeners and children.
 * @example
 * h('button', { class: 'primary', onclick: () => plan() }, 'Plan')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined)
      element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false)
      parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Redraws `container` and puts the focus back on the control that had it (found again by its
 * aria-label or id), so that a keyboard user does not fall back to the top of the page.
 * @example
 * keepFocus(list, () => show(list, renderSnapshots(…)));
 */
export function keepFocus(container: Element, draw: () => void): void {
  const focused = document.activeElement;
  const inside = focused instanceof HTMLElement && container.contains(focused);
  const key = inside ? (focused.getAttribute('aria-label') ?? focused.id) : '';
  draw();
  if (!key) return;
  const again = [...container.querySelectorAll<HTMLElement>('button, [tabindex], a, select')].find(
    (el) => (el.getAttribute('aria-label') ?? el.id) === key,
  );
  (again && !(again as HTMLButtonElement).disabled ? again : (container as HTMLElement)).focus();
}

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}
