import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { toCsv } from './csv.ts';

const body = (csv: string) => csv.slice(csv.indexOf('\n') + 1);

test('a text cell starting with = + - @ tab or CR gets a leading quote and is quoted', () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']) {
    const cell = `${start}HYPERLINK("http://x","y")`;
    const csv = toCsv([{ cell }], ['cell']);
    const escaped = `'${cell}`.replaceAll('"', '""');
    assert.equal(body(csv), `"${escaped}"\n`, JSON.stringify(start));
    assert.deepEqual(parse(csv, { columns: true }), [{ cell: `'${cell}` }], JSON.stringify(start));
  }
});

test('other cells are written as they are', () => {
  const rows = [
    { name: 'Canon EOS R5', note: 'a=b, c', count: 3, ok: true, tags: ['x'], none: null },
    { name: ' =not first', note: "'quoted", count: 0, ok: false, tags: { a: 1 }, none: null },
  ];
  const columns = ['name', 'note', 'count', 'ok', 'tags', 'none'];
  const csv = toCsv(rows, columns);
  assert.equal(
    csv,
    'name,note,count,ok,tags,none\n' +
      'Canon EOS R5,"a=b, c",3,true,"[""x""]",\n' +
      ' =not first,\'quoted,0,false,"{""a"":1}",\n',
  );
});

// A number type cannot carry a formula, and analysts need negative figures as numbers; text that
// only looks like a number may be anything an attacker typed, so it is neutralised like all text.
test('a negative number stays a number; the same characters as text are neutralised', () => {
  const csv = toCsv([{ a: -3.5, b: -7n, c: '-3.5' }], ['a', 'b', 'c']);
  assert.equal(body(csv), `-3.5,-7,"'-3.5"\n`);
});

test('the columns are written in the order given, and only those', () => {
  const csv = toCsv([{ b: 2, a: 1, secret: 's' }], ['a', 'b']);
  assert.equal(csv, 'a,b\n1,2\n');
  assert.equal(toCsv([], ['a', 'b']), 'a,b\n');
});
