// What a workspace statement may be, decided before it reaches the database. The person's own
// login is what keeps them inside their rights; this check keeps each request to one statement in
// the transaction the workspace opened: no COPY (it would read or write the server's files and
// streams outside the result), no switching of roles or of the session's authorization, no RESET
// (of the read-only mode or the time limit) and no transaction control.
//
// A lexer, not a parser: it knows PostgreSQL's quoting (strings, E'' strings, quoted names,
// dollar quotes, nested block comments) well enough to find the statement boundaries and the
// first words of each; the server parses the statement itself (and refuses a second one again,
// since the extended protocol takes one statement only).
import { AppError } from '../errors.ts';

/** The one statement of `text`, without the trailing semicolon and surrounding blanks. */
export function oneStatement(text: string): string {
  const statements = split(text).filter((s) => s.words.length > 0);
  if (statements.length === 0) throw new AppError('empty_statement', 400, 'Write a statement.');
  if (statements.length > 1) {
    throw new AppError(
      'several_statements',
      400,
      'Run one statement at a time: this text holds several (separated by semicolons).',
    );
  }
  const [statement] = statements as [Statement];
  const refusal = refusalOf(statement.words);
  if (refusal) throw new AppError('statement_refused', 400, refusal);
  return statement.text;
}

type Statement = { text: string; words: string[] };

const transactionControl = new Set([
  'BEGIN',
  'START',
  'COMMIT',
  'END',
  'ROLLBACK',
  'ABORT',
  'SAVEPOINT',
  'RELEASE',
  'PREPARE',
]);

function refusalOf(words: string[]): string | undefined {
  const [first] = words;
  if (first === 'COPY')
    return 'COPY is not available here: run a query and download its result as CSV.';
  if (first === 'RESET')
    return 'RESET is not available here: each statement runs with the workspace’s settings.';
  if (first && transactionControl.has(first))
    return `${first} is not available here: each statement runs in a read-only transaction of its own.`;
  if (first === 'SET') {
    // SET [SESSION | LOCAL] ROLE | SESSION AUTHORIZATION | TRANSACTION, SET SESSION CHARACTERISTICS
    const what = words.slice(1).join(' ');
    if (/^((SESSION|LOCAL) )?ROLE\b/.test(what))
      return 'SET ROLE is not available here: you work as yourself.';
    if (/^((SESSION|LOCAL) )?SESSION AUTHORIZATION\b/.test(what))
      return 'SET SESSION AUTHORIZATION is not available here: you work as yourself.';
    if (/^(((SESSION|LOCAL) )?TRANSACTION|SESSION CHARACTERISTICS)\b/.test(what))
      return 'SET TRANSACTION is not available here: each statement runs in a read-only transaction of its own.';
  }
  return undefined;
}

/** Splits `text` at the semicolons outside quotes and comments; each part with its first words. */
function split(text: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let words: string[] = [];
  let i = 0;
  const end = (at: number) => {
    statements.push({ text: text.slice(start, at).trim(), words });
    words = [];
    start = at + 1;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === ';') {
      end(i);
      i += 1;
    } else if (c === '-' && next === '-') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
    } else if (c === '/' && next === '*') {
      i = blockCommentEnd(text, i);
    } else if (c === "'") {
      i = quotedEnd(text, i + 1, "'", /[eE]/.test(text[i - 1] ?? '') && !isWordChar(text[i - 2]));
    } else if (c === '"') {
      i = quotedEnd(text, i + 1, '"', false);
      if (words.length < 4) words.push('"');
    } else if (c === '$' && !isWordChar(text[i - 1])) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? text.length : close + tag[0].length;
      } else i += 1;
    } else if (isWordChar(c)) {
      let j = i + 1;
      while (j < text.length && isWordChar(text[j])) j += 1;
      if (words.length < 4) words.push(text.slice(i, j).toUpperCase());
      i = j;
    } else {
      if (!/\s/.test(c) && words.length < 4) words.push(c);
      i += 1;
    }
  }
  end(text.length);
  return statements;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$\u0080-\uffff]/.test(c);
}

/** Where a quoted string or name that opened before `from` ends (past its closing quote). */
function quotedEnd(text: string, from: number, quote: string, backslashes: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && text[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return text.length;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return text.length;
}
