/**
 * SQL fingerprinting: turn raw SQL (as found in pg_stat_activity.query, which carries literal values that may be
 * patient data) into a shape that is safe to leave the process, e.g.
 *   SELECT * FROM patients WHERE ssn = '078-05-1120' AND id IN (1, 2, 3)
 *   -> SELECT * FROM patients WHERE ssn = ? AND id IN (?)
 *
 * A small tokenizer (not a regex pass) so that quotes inside comments, comments inside strings, dollar quotes and
 * escapes are handled the way PostgreSQL's lexer handles them. Every constant becomes `?`; `$1` parameters,
 * keywords, unquoted identifiers and operators stay. A quoted identifier is kept only when it is a plain lowercase
 * name (`"patients"`); any other (`AS "Jane Roe"`, `U&"…"`) becomes `"<ident>"`, since aliases can carry data.
 * Comments are dropped (they can carry data, e.g. sqlcommenter tags). PostgreSQL truncates the query text at
 * track_activity_query_size, possibly inside a literal: an unterminated literal becomes `?…` and nothing of it is kept.
 *
 * standard_conforming_strings may be on (the default since 9.1: in '…' a backslash is an ordinary character) or
 * off (`'O\'Brien'` is one literal). The text does not say which, so it is tokenized both ways; the reading that
 * ends with every literal closed wins, and between two such readings the one keeping fewer words (more of the
 * text inside constants). E'…' strings always take backslash escapes; dollar quotes never do.
 */

type TokenKind = 'word' | 'quotedIdent' | 'param' | 'const' | 'partialConst' | 'punct';

interface Token {
  kind: TokenKind;
  text: string;
  /** Whether whitespace or a comment separated this token from the previous one in the source. */
  spaceBefore: boolean;
}

export const PLACEHOLDER = '?';
export const TRUNCATED_MARK = '…';
export const IDENT_PLACEHOLDER = '"<ident>"';

const PlainQuotedIdent = /^"[a-z_][a-z0-9_$]{0,62}"$/;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && (/^[A-Za-z_]$/.test(c) || c.charCodeAt(0) >= 0x80);
const isIdentChar = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c) || c === '$';
const isSpace = (c: string | undefined): boolean => c !== undefined && /^\s$/.test(c);

/** Index just past a '…' string starting at `start` (the opening quote), or -1 when unterminated. */
function scanQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2; // doubled quote is an escaped quote
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return -1;
}

/** `$tag$` / `$$` opening delimiter at `start`, or null when `$` does not start a dollar quote. */
function dollarTagAt(sql: string, start: number): string | null {
  let i = start + 1;
  if (sql[i] === '$') return '$$';
  if (!isIdentStart(sql[i])) return null;
  while (i < sql.length && isIdentChar(sql[i]) && sql[i] !== '$') i += 1;
  return sql[i] === '$' ? sql.slice(start, i + 1) : null;
}

/** Index just past a numeric literal starting at `start`. */
function scanNumber(sql: string, start: number): number {
  let i = start;
  if (sql[i] === '0' && /[xXoObB]/.test(sql[i + 1] ?? '') && isHexDigit(sql[i + 2])) {
    i += 2;
    while (isHexDigit(sql[i]) || sql[i] === '_') i += 1;
    return i;
  }
  while (isDigit(sql[i]) || sql[i] === '_') i += 1;
  if (sql[i] === '.' && sql[i + 1] !== '.') {
    i += 1;
    while (isDigit(sql[i]) || sql[i] === '_') i += 1;
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || (/[+-]/.test(sql[i + 1] ?? '') && isDigit(sql[i + 2])))) {
    i += 2;
    while (isDigit(sql[i])) i += 1;
  }
  return i;
}

/** Whether a `-`/`+` right before a number is a sign (folded into the constant) rather than a binary operator. */
function signIsUnary(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  return previous.kind === 'punct' && previous.text !== ')' && previous.text !== ']';
}

function tokenize(sql: string, backslashInPlainStrings: boolean): Token[] {
  const tokens: Token[] = [];
  let space = false;
  let i = 0;
  const push = (kind: TokenKind, text: string): void => {
    tokens.push({ kind, text, spaceBefore: space });
    space = false;
  };
  /** Consume a quoted literal starting at `quoteAt`; returns false when it was unterminated (input consumed). */
  const literal = (quoteAt: number, backslashEscapes: boolean): boolean => {
    const end = scanQuoted(sql, quoteAt, "'", backslashEscapes);
    if (end < 0) {
      push('partialConst', PLACEHOLDER + TRUNCATED_MARK);
      i = sql.length;
      return false;
    }
    push('const', PLACEHOLDER);
    i = end;
    return true;
  };

  while (i < sql.length) {
    const c = sql.charAt(i);
    const next = sql[i + 1];
    if (isSpace(c)) {
      space = true;
      i += 1;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
      space = true;
    } else if (c === '/' && next === '*') {
      let depth = 1; // PostgreSQL block comments nest
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth += 1;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth -= 1;
          i += 2;
        } else i += 1;
      }
      space = true;
    } else if (c === "'") {
      literal(i, backslashInPlainStrings);
    } else if (/[eE]/.test(c) && next === "'") {
      literal(i + 1, true);
    } else if (/[bBxXnN]/.test(c) && next === "'") {
      literal(i + 1, backslashInPlainStrings);
    } else if (/[uU]/.test(c) && next === '&' && sql[i + 2] === "'") {
      literal(i + 2, false);
    } else if (/[uU]/.test(c) && next === '&' && sql[i + 2] === '"') {
      const end = scanQuoted(sql, i + 2, '"', false);
      if (end < 0) {
        push('partialConst', PLACEHOLDER + TRUNCATED_MARK);
        i = sql.length;
      } else {
        push('quotedIdent', IDENT_PLACEHOLDER);
        i = end;
      }
    } else if (c === '"') {
      const end = scanQuoted(sql, i, '"', false);
      if (end < 0) {
        // A truncated identifier: when unsure, replace.
        push('partialConst', PLACEHOLDER + TRUNCATED_MARK);
        i = sql.length;
      } else {
        const ident = sql.slice(i, end);
        push('quotedIdent', PlainQuotedIdent.test(ident) ? ident : IDENT_PLACEHOLDER);
        i = end;
      }
    } else if (c === '$' && isDigit(next)) {
      let j = i + 1;
      while (isDigit(sql[j])) j += 1;
      push('param', sql.slice(i, j));
      i = j;
    } else if (c === '$' && dollarTagAt(sql, i) !== null) {
      const tag = dollarTagAt(sql, i) ?? '$';
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) {
        push('partialConst', PLACEHOLDER + TRUNCATED_MARK);
        i = sql.length;
      } else {
        push('const', PLACEHOLDER);
        i = close + tag.length;
      }
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      push('const', PLACEHOLDER);
      i = scanNumber(sql, i);
    } else if ((c === '-' || c === '+') && (isDigit(next) || (next === '.' && isDigit(sql[i + 2]))) && signIsUnary(tokens[tokens.length - 1])) {
      push('const', PLACEHOLDER);
      i = scanNumber(sql, i + 1);
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (isIdentChar(sql[j])) j += 1;
      push('word', sql.slice(i, j));
      i = j;
    } else {
      push('punct', c);
      i += 1;
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string): boolean =>
  t !== undefined && t.kind === 'word' && t.text.toUpperCase() === word;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.text === p;

/** Index of the token closing the bracket opened at `open`, or -1 when it is never closed (truncated input). */
function matchingClose(tokens: Token[], open: number): number {
  const opener = tokens[open]?.text;
  const closer = opener === '(' ? ')' : ']';
  let depth = 0;
  for (let i = open; i < tokens.length; i += 1) {
    const t = tokens[i];
    if (isPunct(t, opener ?? '(')) depth += 1;
    else if (isPunct(t, closer)) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** `( ?, ?, ? )` or `[ ?, ? ]` made only of constants, starting at `open`: index of the closer, else -1. */
function constantListEnd(tokens: Token[], open: number): number {
  const closer = isPunct(tokens[open], '(') ? ')' : isPunct(tokens[open], '[') ? ']' : null;
  if (closer === null) return -1;
  let i = open + 1;
  for (;;) {
    if (tokens[i]?.kind !== 'const') return -1;
    i += 1;
    if (isPunct(tokens[i], closer)) return i;
    if (!isPunct(tokens[i], ',')) return -1;
    i += 1;
  }
}

/** `IN (?, ?, ?)` -> `IN (?)`, `ARRAY[?, ?]` -> `ARRAY[?]`, `VALUES (…), (…)` -> `VALUES (…)`. */
function collapseLists(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === undefined) break;
    const next = tokens[i + 1];
    if ((isWord(t, 'IN') && isPunct(next, '(')) || (isWord(t, 'ARRAY') && isPunct(next, '['))) {
      const end = constantListEnd(tokens, i + 1);
      if (end > 0) {
        const close = tokens[end];
        if (next !== undefined && close !== undefined) out.push(t, next, { kind: 'const', text: PLACEHOLDER, spaceBefore: false }, { ...close, spaceBefore: false });
        i = end + 1;
        continue;
      }
    }
    if (isWord(t, 'VALUES') && isPunct(next, '(')) {
      const firstEnd = matchingClose(tokens, i + 1);
      if (firstEnd > 0) {
        out.push(...tokens.slice(i, firstEnd + 1));
        let j = firstEnd + 1;
        while (isPunct(tokens[j], ',') && isPunct(tokens[j + 1], '(')) {
          const end = matchingClose(tokens, j + 1);
          if (end < 0) {
            // truncated inside a later tuple: drop it, mark the truncation
            out.push({ kind: 'punct', text: TRUNCATED_MARK, spaceBefore: true });
            j = tokens.length;
            break;
          }
          j = end + 1;
        }
        i = j;
        continue;
      }
    }
    out.push(t);
    i += 1;
  }
  return out;
}

const wordChars = (tokens: Token[]): number => tokens.reduce((n, t) => n + (t.kind === 'word' ? t.text.length : 0), 0);
const endsOpen = (tokens: Token[]): boolean => tokens.some((t) => t.kind === 'partialConst');

/** standard_conforming_strings on vs off: the reading with every literal closed, else the one keeping fewer words. */
function bestReading(on: Token[], off: Token[]): Token[] {
  if (endsOpen(on) !== endsOpen(off)) return endsOpen(on) ? off : on;
  return wordChars(off) < wordChars(on) ? off : on;
}

function render(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (out.length > 0 && t.spaceBefore) out += ' ';
    out += t.text;
  }
  return out;
}

/**
 * Replace every constant in `sql` with `?`, drop comments, collapse whitespace and constant lists, and cap the
 * result at `maxLength` characters (a cut is marked with `…`). Safe on truncated input.
 */
export function fingerprintSql(sql: string, maxLength = 500): string {
  const text = typeof sql === 'string' ? sql : '';
  const rendered = render(collapseLists(bestReading(tokenize(text, false), tokenize(text, true))));
  if (rendered.length <= maxLength) return rendered;
  // The rendering only holds keywords, identifiers, operators and placeholders, so any cut point is safe.
  return rendered.slice(0, Math.max(0, maxLength - TRUNCATED_MARK.length)) + TRUNCATED_MARK;
}
