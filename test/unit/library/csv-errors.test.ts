// The import report says what is wrong with a malformed CSV in the user's words, with the line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvTable } from '../../../main/library/csv-table';
import { describeCsvError } from '../../../main/library/csv-errors';
import { ReportBuilder } from '../../../main/library/import-report';

function issuesOf(text: string) {
  const report = new ReportBuilder();
  parseCsvTable(text, 'train/metadata.csv', report);
  return report.issues;
}

const PARSER_WORDS = /trimable|if activated|Invalid Closing|Quote Not Closed|Invalid Record Length|Invalid Opening|expect \d+, got/i;

test('text after a closing quote: the quote must be doubled, with the line', () => {
  const issues = issuesOf('Id,Genre\na,Drama\nb,Comedy\n"c"x,Action\nd,War\n');
  assert.equal(issues.length, 1);
  assert.equal(issues[0].line, 4);
  assert.equal(issues[0].message, 'Line 4: a quote inside a field must be doubled ("") — the field "Id" ends at the quote but text follows');
  // A space after the quote is the same mistake.
  assert.match(issuesOf('Id,Genre\n"a" ,Drama\n')[0].message, /^Line 2: a quote inside a field must be doubled/);
});

test('a quote in the middle of an unquoted field', () => {
  const [issue] = issuesOf('Id,Genre\na,Dra"ma\n');
  assert.equal(issue.message, 'Line 2: a field "Genre" has a quote in the middle — put the whole field in quotes and double the quote inside ("")');
});

test('a quote that is never closed names the line where it opens', () => {
  const issues = issuesOf('Id,Genre\na,Drama\nb,"Comedy\nc,Action\n');
  assert.equal(issues[0].line, 3);
  assert.match(issues[0].message, /^Line 3: a quoted field "Genre" is never closed — add the missing quote/);
});

test('a row with more or fewer fields than the header', () => {
  const issues = issuesOf('Id,Genre\na,Drama,Comedy,War\nb\nc,Action,\n');
  assert.deepEqual(
    issues.map((i) => [i.line, i.message]),
    [
      [2, 'Line 2: 4 fields where the header has 2 — a comma inside a field needs quotes around the field'],
      [3, 'Line 3: 1 field where the header has 2 — a field is missing (or the row was cut short)'],
    ],
  );
});

test("no malformed CSV passes csv-parse's own wording through", () => {
  const broken = ['Id,Genre\n"a"b,x\n', 'Id,Genre\na,"x\n', 'Id,Genre\na,b"c\n', 'Id,Genre\n1,2,3\n', '"Id"x,Genre\na,b\n'];
  for (const text of broken) {
    const issues = issuesOf(text);
    assert.ok(issues.length > 0, text);
    for (const i of issues) assert.doesNotMatch(i.message, PARSER_WORDS, `${JSON.stringify(text)} → ${i.message}`);
  }
});

test('describeCsvError: codes csv-parse uses, and an unknown one without its position', () => {
  assert.match(describeCsvError({ code: 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' }), /different number of fields/);
  assert.match(describeCsvError({ code: 'CSV_INVALID_OPENING_QUOTE', column: 2 }), /^a field 3 has a quote/);
  assert.equal(describeCsvError({ code: 'CSV_SOMETHING_NEW', message: 'Odd thing at line 9' }), 'cannot be read as CSV (Odd thing)');
});

// QA 13: the stray quote was in the Genre value, the message named the column "Action".
test('a stray quote in a Genre value is blamed on Genre, never on the next column', () => {
  const header = 'Id,Genre,Action,Comedy\n';
  // Text after the closing quote of a quoted genre list.
  const [closing] = issuesOf(`${header}tt0,Drama,0,0\ntt1,"Action, Comedy"x,1,1\n`);
  assert.equal(closing.line, 3);
  assert.equal(closing.message, 'Line 3: a quote inside a field must be doubled ("") — the field "Genre" ends at the quote but text follows');
  // A quote inside an unquoted genre list that has commas: csv-parse counts the list's comma as a field
  // boundary and reports field 2 ("Action"); the row does not have the header's shape, so no column is named.
  const [inside] = issuesOf(`${header}tt2,['Action', 'Com"edy'],1,1\n`);
  assert.equal(inside.line, 2);
  assert.doesNotMatch(inside.message, /"Action"|"Comedy"/, inside.message);
  assert.equal(inside.message, `Line 2: a field (“'Com"edy']”) has a quote in the middle — put the whole field in quotes and double the quote inside ("")`);
  // A quote inside a quoted genre list: the list ends early, at the stray quote, and that is the Genre field.
  const [quoted] = issuesOf(`${header}tt3,"['Action', 'Com"edy']",1,1\n`);
  assert.match(quoted.message, /the field "Genre" ends at the quote/);
  // The rows after the broken ones still load.
  const report = new ReportBuilder();
  const table = parseCsvTable(`${header}tt1,"Action, Comedy"x,1,1\ntt4,Drama,0,0\n`, 'train/metadata.csv', report);
  assert.deepEqual(
    table?.rows.map((r) => r.cells[0]),
    ['tt4'],
  );
});
