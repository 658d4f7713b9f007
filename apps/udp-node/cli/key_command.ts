/**
 * `dmp key`: placeholder until the TSIG keystore lands.
 *
 * @module
 */

/** Output sinks and help text handed in by the CLI. */
export interface KeyCommandIo {
  out(s: string): void;
  err(s: string): void;
  helpText: string;
}

/** Runs `dmp key …`. */
export function cmdKey(_args: string[], _env: Record<string, string | undefined>, io: KeyCommandIo): Promise<number> {
  io.err("dmp key: not available yet");
  return Promise.resolve(1);
}
