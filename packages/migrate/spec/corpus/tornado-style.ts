import { coroutine, Return, sleep } from 'whirlwind/gen';

interface Row {
  id: number;
  label: string;
}

const fetchRow = coroutine(function* (id: number) {
  yield sleep(0.001);
  const row: Row = { id, label: `row ${id}` };
  throw new Return(row);
});

const fetchAll = coroutine(function* (ids: number[]) {
  const rows: Row[] = yield ids.map((id) => fetchRow(id));
  throw new Return(rows.map((row) => row.label));
});

console.log((await fetchAll([3, 1, 2])).join(', '));
