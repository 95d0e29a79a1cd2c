/**
 * The list every page uses: search, an optional filter, sorting by any column (aria-sort on the header),
 * and virtualized rows so 1,000+ rows scroll smoothly. It stays a real <table>: rows outside the window
 * are replaced by two spacer rows, and aria-rowcount / aria-rowindex tell assistive tech the full size.
 */
import { useDeferredValue, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Empty } from './states.js';
import { nextSort, viewRows, type ColumnModel, type SortState } from './table-model.js';

export interface Column<T> extends ColumnModel<T> {
  readonly render?: (row: T) => ReactNode;
  readonly width?: string;
}

export interface Filter<T> {
  readonly label: string;
  readonly options: readonly { readonly label: string; readonly test: (row: T) => boolean }[];
}

export interface DataTableProps<T> {
  /** Plural noun for what the rows are ("users"): labels, counts and empty texts use it. */
  readonly noun: string;
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly empty: ReactNode;
  readonly filter?: Filter<T>;
  readonly initialSort?: SortState;
  /** Per-row buttons (delete, ...), in a last "Actions" column. */
  readonly actions?: (row: T) => ReactNode;
}

const ROW_HEIGHT = 40;

export function DataTable<T>(props: DataTableProps<T>) {
  const { noun, rows, columns, rowKey, actions, filter } = props;
  const id = useId();
  const [search, setSearch] = useState('');
  const [filterIndex, setFilterIndex] = useState(0);
  const [sort, setSort] = useState<SortState | null>(props.initialSort ?? null);
  const deferredSearch = useDeferredValue(search);
  const shown = useMemo(
    () =>
      viewRows(rows, columns, { search: deferredSearch, filter: filter?.options[filterIndex]?.test, sort }),
    [rows, columns, deferredSearch, filter, filterIndex, sort],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 800, height: 560 },
  });

  if (rows.length === 0) return <Empty>{props.empty}</Empty>;

  const items = virtualizer.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const span = columns.length + (actions ? 1 : 0);
  return (
    <div className="data-table">
      <div className="table-tools">
        <label htmlFor={`${id}-search`}>Search {noun}</label>
        <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        {filter && (
          <>
            <label htmlFor={`${id}-filter`}>{filter.label}</label>
            <select
              id={`${id}-filter`}
              value={filterIndex}
              onChange={(e) => setFilterIndex(Number(e.target.value))}
            >
              {filter.options.map((o, i) => (
                <option key={o.label} value={i}>
                  {o.label}
                </option>
              ))}
            </select>
          </>
        )}
        <span className="count" role="status">
          {shown.length === rows.length
            ? `${rows.length} ${noun}`
            : `${shown.length} of ${rows.length} ${noun}`}
        </span>
      </div>
      {shown.length === 0 ? (
        <Empty>No {noun} match this search and filter.</Empty>
      ) : (
        <div
          className="table-scroll"
          ref={scroller}
          tabIndex={0}
          role="region"
          aria-label={`${noun}, scrollable`}
        >
          <table aria-rowcount={shown.length + 1}>
            <caption className="visually-hidden">{noun}</caption>
            <thead>
              <tr aria-rowindex={1}>
                {columns.map((c) => (
                  <th
                    key={c.id}
                    scope="col"
                    style={c.width ? { width: c.width } : undefined}
                    aria-sort={sort?.column === c.id ? sort.direction : undefined}
                  >
                    <button type="button" className="sort" onClick={() => setSort(nextSort(sort, c.id))}>
                      {c.header}
                      <span aria-hidden="true">
                        {sort?.column === c.id ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                      </span>
                    </button>
                  </th>
                ))}
                {actions && (
                  <th scope="col" className="actions">
                    Actions
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {top > 0 && (
                <tr aria-hidden="true" className="spacer">
                  <td colSpan={span} style={{ height: top }} />
                </tr>
              )}
              {items.map((item) => {
                const row = shown[item.index]!;
                return (
                  <tr key={rowKey(row)} aria-rowindex={item.index + 2}>
                    {columns.map((c) => (
                      // The title shows a value the fixed-width column cuts short.
                      <td key={c.id} title={String(c.value(row) ?? '')}>
                        {c.render ? c.render(row) : String(c.value(row) ?? '')}
                      </td>
                    ))}
                    {actions && <td className="actions">{actions(row)}</td>}
                  </tr>
                );
              })}
              {bottom > 0 && (
                <tr aria-hidden="true" className="spacer">
                  <td colSpan={span} style={{ height: bottom }} />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
