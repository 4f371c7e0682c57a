// The ARIA tabs pattern: one tab in the Tab order (roving tabindex), arrow keys and Home/End move between the
// visible tabs and select them at once, each tab shows its own tabpanel.

export function createTabs(tablist, { onChange }) {
  const allTabs = () => [...tablist.querySelectorAll('[role="tab"]')];
  const visibleTabs = () => allTabs().filter((tab) => !tab.hidden);
  const panelOf = (tab) => document.getElementById(tab.getAttribute('aria-controls'));
  let current = null;

  function select(tab, { focus = false } = {}) {
    if (!tab || tab.hidden) return;
    for (const other of allTabs()) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      panelOf(other).hidden = !selected;
    }
    if (focus) tab.focus();
    if (tab !== current) {
      const previous = current;
      current = tab;
      onChange(tab.dataset.view, previous?.dataset.view ?? null);
    }
  }

  tablist.addEventListener('click', (event) => select(event.target.closest('[role="tab"]')));
  tablist.addEventListener('keydown', (event) => {
    const tabs = visibleTabs();
    const index = tabs.indexOf(event.target.closest('[role="tab"]'));
    if (index < 0) return;
    const next = {
      ArrowRight: tabs[(index + 1) % tabs.length],
      ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (!next) return;
    event.preventDefault();
    select(next, { focus: true });
  });

  return {
    /** Selects the tab of a view by its data-view name. */
    select(view, options) {
      select(allTabs().find((tab) => tab.dataset.view === view), options);
    },
    /** Shows or hides a tab (e.g. Tenants for admins only). */
    setVisible(view, visible) {
      const tab = allTabs().find((candidate) => candidate.dataset.view === view);
      if (tab) tab.hidden = !visible;
    },
    /** The tab now selected. */
    currentTab: () => current,
    /** Forgets the selection (signing out), hiding every panel without telling onChange. */
    reset() {
      current = null;
      for (const tab of allTabs()) {
        tab.setAttribute('aria-selected', 'false');
        tab.tabIndex = -1;
        panelOf(tab).hidden = true;
      }
    },
  };
}
