/**
 * The runner reads every line a step prints as a possible workflow command: `::name::` at the start of a
 * line (after spaces), or the older `##[name]` anywhere in it. A value from a package, Apple or GitHub
 * with a line break in it could otherwise start one — `::stop-commands::` and then print a token that
 * `::add-mask::` should have hidden. Both hosts pass every line they print through here.
 */

/** The line breaks the runner splits output on (.NET's ReadLine: CR, LF, CRLF). */
const LINE_BREAK = /\r\n|\r|\n/;

/** `text` with no line that the runner would take as a workflow command; lines are kept, CRs become LFs. */
export function commandSafe(text: string): string {
  return text.split(LINE_BREAK).map(safeLine).join('\n');
}

/** One line made inert: a leading `::` gets a backslash before it, and `##[` becomes `##\[`. */
function safeLine(line: string): string {
  const out = line.includes('##[') ? line.split('##[').join('##\\[') : line;
  return /^\s*::/.test(out) ? out.replace('::', '\\::') : out;
}

/** A value for a one-line field (an output line, a table cell): line breaks shown as `\n`, never kept. */
export function outputLine(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\\n');
}
