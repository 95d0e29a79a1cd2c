/**
 * Tabs by the WAI-ARIA pattern: a tablist of buttons (arrow keys, Home and End move between them; only the
 * selected tab is in the tab order) and one tabpanel labelled by its tab. The selected tab is in the URL
 * (`?tab=permissions`), so a reload or a shared link opens the same tab; only the selected panel renders.
 */
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';

export interface Tab {
  /** The value in `?tab=`. */
  readonly id: string;
  readonly label: string;
  readonly render: () => ReactNode;
}

export function Tabs({ label, tabs }: { label: string; tabs: readonly Tab[] }) {
  const base = useId();
  const [search, setSearch] = useSearchParams();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const wanted = search.get('tab');
  const selected = tabs.find((t) => t.id === wanted) ?? tabs[0];
  if (!selected) return null;

  const select = (tab: Tab, focus: boolean) => {
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (tab === tabs[0]) next.delete('tab');
        else next.set('tab', tab.id);
        return next;
      },
      { replace: true },
    );
    if (focus) buttons.current[tabs.indexOf(tab)]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const at = tabs.indexOf(selected);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    select(tabs[to]!, true);
  };

  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} onKeyDown={onKeyDown}>
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              buttons.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.id}`}
            aria-selected={t === selected}
            aria-controls={`${base}-panel`}
            tabIndex={t === selected ? 0 : -1}
            onClick={() => select(t, false)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-tab-${selected.id}`}>
        {selected.render()}
      </div>
    </div>
  );
}
