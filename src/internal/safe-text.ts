// Printing text that came from input files or from Prometheus (internal). Every command's
// output goes through `safeOutput` (main.ts wraps its io with `safeIo`), and messages quote
// untrusted strings with `safeText`: a pull request controls object names, rule names, file
// names and YAML excerpts, a Prometheus server its values and error messages. Raw, they could
// emit terminal escape codes or GitHub workflow commands (a line starting with `::`).
// https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions

/** The longest untrusted value `safeText` prints before cutting it with an ellipsis. */
export const MAX_SHOWN_LENGTH = 200;

// C0 controls but \n and \t, DEL, C1 controls (0x9b is a one-byte CSI), line and paragraph
// separators, and the bidirectional overrides and isolates (text that reads differently than it runs).
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const UNSAFE_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escape(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * An untrusted string for a message: control characters, escape codes and newlines escaped
 * (`\n`, `\u001b`), cut to `max` characters with an ellipsis.
 */
export function safeText(value: string, max = MAX_SHOWN_LENGTH): string {
  const escaped = String(value).replace(UNSAFE_OR_NEWLINE, escape);
  return escaped.length > max ? `${escaped.slice(0, Math.max(0, max - 1))}…` : escaped;
}

/**
 * A whole output, made safe at the last step: control characters (but newlines and tabs)
 * escaped as `\uXXXX` (so JSON output stays valid and parses to the same values), and no line
 * starts with `::` (after blanks), which GitHub Actions reads as a workflow command.
 */
export function safeOutput(text: string): string {
  return text.replace(UNSAFE, escape).replace(/^([ \t]*)::/gm, '$1\\::');
}

/** Where a command writes. */
export interface SafeIo {
  out(text: string): void;
  err(text: string): void;
}

/** `io` with every text passed through `safeOutput`. */
export function safeIo(io: SafeIo): SafeIo {
  return { out: text => io.out(safeOutput(text)), err: text => io.err(safeOutput(text)) };
}
