/**
 * What a list shows, as pure functions: search across the searchable columns, a filter, and a stable
 * sort by one column. Kept apart from React so it is tested under Node (test/table-model.test.ts).
 */
export type CellValue = string | number | boolean | null | undefined;

export interface ColumnModel<T> {
  readonly id: string;
  readonly header: string;
  /** The value searched and sorted on (the cell shows `render` when the column has one). */
  readonly value: (row: T) => CellValue;
  /** Searched unless false. */
  readonly searchable?: boolean;
}

export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  readonly column: string;
  readonly direction: SortDirection;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function compareCells(a: CellValue, b: CellValue): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** Every whitespace-separated term must appear (case-insensitive) in some searchable column. */
export function searchRows<T>(rows: readonly T[], columns: readonly ColumnModel<T>[], search: string): T[] {
  const terms = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...rows];
  const searchable = columns.filter((c) => c.searchable !== false);
  return rows.filter((row) => {
    const text = searchable.map((c) => String(c.value(row) ?? '').toLowerCase()).join('\u0000');
    return terms.every((t) => text.includes(t));
  });
}

/** A stable sort (Array.prototype.sort is stable), empty values last in both directions. */
export function sortRows<T>(
  rows: readonly T[],
  columns: readonly ColumnModel<T>[],
  sort: SortState | null,
): T[] {
  const column = sort && columns.find((c) => c.id === sort.column);
  if (!column) return [...rows];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort((x, y) => {
    const a = column.value(x);
    const b = column.value(y);
    if (a === null || a === undefined || b === null || b === undefined) return compareCells(a, b);
    return sign * compareCells(a, b);
  });
}

/** Clicking a column's header: sort by it ascending, then descending, then ascending again. */
export function nextSort(current: SortState | null, column: string): SortState {
  if (current?.column === column && current.direction === 'ascending')
    return { column, direction: 'descending' };
  return { column, direction: 'ascending' };
}

export function viewRows<T>(
  rows: readonly T[],
  columns: readonly ColumnModel<T>[],
  view: { search: string; filter?: ((row: T) => boolean) | undefined; sort: SortState | null },
): T[] {
  const filtered = view.filter ? rows.filter(view.filter) : rows;
  return sortRows(searchRows(filtered, columns, view.search), columns, view.sort);
}
