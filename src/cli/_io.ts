// What every command writes to, and the exit codes (internal).

/** Where the command writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT_OK = 0;
export const EXIT_UNSAFE = 1;
export const EXIT_USAGE = 2;
