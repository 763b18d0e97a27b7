import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { normaliseUserPath, RELATIVE_PATH_MESSAGE } from '../../../contract/user-path';

const ok = (raw: string, opts?: Parameters<typeof normaliseUserPath>[1]) => {
  const r = normaliseUserPath(raw, opts);
  assert.ok(r.ok, `${raw}: ${r.ok ? '' : r.message}`);
  return r.path;
};
const refused = (raw: string, opts?: Parameters<typeof normaliseUserPath>[1]) => {
  const r = normaliseUserPath(raw, opts);
  assert.ok(!r.ok, `${raw} was accepted as ${r.ok ? r.path : ''}`);
  return r.message;
};

test('~ and ~/x expand to the home folder', () => {
  assert.equal(ok('~', { home: '/home/ann' }), '/home/ann');
  assert.equal(ok('~/', { home: '/home/ann' }), '/home/ann');
  assert.equal(ok('~/Posters/2024', { home: '/home/ann' }), '/home/ann/Posters/2024');
  assert.equal(ok('~/Posters'), path.join(os.homedir(), 'Posters'));
});

test('relative paths are refused with the way out', () => {
  for (const raw of ['Posters', './Posters', '../x', 'a/b.csv']) {
    const message = refused(raw);
    assert.ok(message.includes(RELATIVE_PATH_MESSAGE), message);
    assert.ok(message.startsWith(`"${raw}" is not a full path.`), message);
  }
  assert.match(refused('~bob/Posters'), /another user's home folder/);
  assert.equal(refused('   '), 'Type a path.');
  assert.match(refused('/a\0b'), /NUL/);
});

test('absolute paths are normalised: dots, doubled and trailing separators, surrounding quotes and spaces', () => {
  assert.equal(ok('/home/ann/./Posters//new/../old/'), '/home/ann/Posters/old');
  assert.equal(ok('  "/home/ann/My Posters"  '), '/home/ann/My Posters');
  assert.equal(ok("'/tmp/x y/'"), '/tmp/x y');
  assert.equal(ok('/'), '/');
  assert.equal(ok('file:///home/ann/My%20Posters/a.jpg'), '/home/ann/My Posters/a.jpg');
});

test('Windows rules: drive paths are full, ~\\ expands, a bare drive-relative path is refused', () => {
  const win = { paths: path.win32, home: 'C:\\Users\\ann' };
  assert.equal(ok('C:\\Posters\\', win), 'C:\\Posters');
  assert.equal(ok('C:\\', win), 'C:\\');
  assert.equal(ok('~\\Posters', win), 'C:\\Users\\ann\\Posters');
  assert.equal(ok('c:/a/./b', win), 'c:\\a\\b');
  assert.ok(refused('Posters\\x', win).includes(RELATIVE_PATH_MESSAGE));
  assert.ok(refused('C:Posters', win).includes(RELATIVE_PATH_MESSAGE));
});
