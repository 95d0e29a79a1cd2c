/** The list model behind every dashboard table: search, filter and sort, without a browser. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextSort, viewRows, type ColumnModel } from '../src/ui/table-model.js';

interface Row {
  name: string;
  size: number | null;
  note: string;
}
const rows: Row[] = [
  { name: 'web-10', size: 3, note: 'frontend' },
  { name: 'web-2', size: null, note: 'frontend canary' },
  { name: 'Api', size: 1, note: 'backend' },
];
const columns: ColumnModel<Row>[] = [
  { id: 'name', header: 'Name', value: (r) => r.name },
  { id: 'size', header: 'Size', value: (r) => r.size },
  { id: 'note', header: 'Note', value: (r) => r.note, searchable: false },
];
const names = (list: Row[]) => list.map((r) => r.name);

describe('table model', () => {
  it('searches every term, case-insensitively, in searchable columns only', () => {
    assert.deepEqual(names(viewRows(rows, columns, { search: 'WEB', sort: null })), ['web-10', 'web-2']);
    assert.deepEqual(names(viewRows(rows, columns, { search: 'web 10', sort: null })), ['web-10']);
    assert.deepEqual(names(viewRows(rows, columns, { search: 'backend', sort: null })), []);
  });

  it('sorts naturally (web-2 before web-10) and keeps empty values last both ways', () => {
    const up = viewRows(rows, columns, { search: '', sort: { column: 'name', direction: 'ascending' } });
    assert.deepEqual(names(up), ['Api', 'web-2', 'web-10']);
    const bySize = viewRows(rows, columns, { search: '', sort: { column: 'size', direction: 'descending' } });
    assert.deepEqual(names(bySize), ['web-10', 'Api', 'web-2']);
  });

  it('filters before searching, and cycles a column between ascending and descending', () => {
    const filter = (r: Row) => r.note.startsWith('frontend');
    assert.deepEqual(names(viewRows(rows, columns, { search: '', filter, sort: null })), ['web-10', 'web-2']);
    const first = nextSort(null, 'name');
    assert.deepEqual(first, { column: 'name', direction: 'ascending' });
    assert.deepEqual(nextSort(first, 'name'), { column: 'name', direction: 'descending' });
    assert.deepEqual(nextSort(nextSort(first, 'name'), 'name'), first);
    assert.deepEqual(nextSort(first, 'size'), { column: 'size', direction: 'ascending' });
  });
});
