/**
 * Static bearer tokens (`--token-auth-file`), upstream's CSV format: one line per
 * token, `token,user,uid,"group1,group2"` (the groups column optional).
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from './user.js';

/** Splits one CSV line, honouring double quotes (`""` is a quote inside a quoted field). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return fields.map((f) => f.trim());
}

/** Parses a token file's text into token → user; throws naming the bad line. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [token = '', name = '', uid = '', groups = ''] = csvFields(line);
    if (token === '' || name === '') throw new Error(`token file line ${index + 1}: needs at least token,user`);
    const groupList = groups
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    tokens.set(token, { name, ...(uid === '' ? {} : { uid }), groups: groupList });
  });
  return tokens;
}

/** Reads `--token-auth-file`. */
export function loadTokenFile(path: string): Map<string, UserInfo> {
  return parseTokenFile(readFileSync(path, 'utf8'));
}
