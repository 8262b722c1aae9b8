/**
 * Tabs as the WAI-ARIA pattern has them: arrow keys, Home and End move between tabs, Tab moves into
 * the panel. https://www.w3.org/WAI/ARIA/apg/patterns/tabs/
 */

/**
 * Wires a tablist; `onSelect` runs with the tab's panel id whenever a tab is chosen.
 * @example
 * const select = setupTabs(byId('tabs'), (panel) => refresh(panel));
 * select('panel-snapshots');
 */
export function setupTabs(
  tablist: HTMLElement,
  onSelect: (panelId: string) => void,
): (panelId: string) => void {
  const tabs = [...tablist.querySelectorAll<HTMLElement>('[role="tab"]')];
  const select = (tab: HTMLElement, focus = false) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')!)!.hidden = !selected;
    }
    if (focus) tab.focus();
    onSelect(tab.getAttribute('aria-controls')!);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length]!, true);
    });
  });
  return (panelId) => {
    const tab = tabs.find((t) => t.getAttribute('aria-controls') === panelId);
    if (tab) select(tab);
  };
}
