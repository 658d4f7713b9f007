/**
 * The bytes a registering client signs with its Ed25519 key (brief §2.2,
 * §9 fact 7): `challenge(32 raw bytes) ‖ utf8(canonical subject) ‖ utf8(node)
 * ‖ 0x01`, with no separators or length prefixes. One signature serves both
 * `/confirm` and `/tsig-confirm`.
 *
 * This module is browser compatible.
 * @module
 */

const encoder = new TextEncoder();

/** The trailing version byte of the signed registration message. */
export const REGISTRATION_MESSAGE_VERSION = 0x01;

/**
 * Builds the registration signing payload.
 *
 * @param challenge the 32 raw challenge bytes
 * @param parts the canonical subject and the node host name bound into the signature
 * @returns the exact bytes the client signs
 *
 * @example
 * ```ts
 * import { buildRegistrationMessage } from "./signed_message.ts";
 * const m = buildRegistrationMessage(new Uint8Array(32), { subject: "a@b.c", node: "n" });
 * if (m.length !== 32 + 5 + 1 + 1 || m[m.length - 1] !== 1) throw new Error();
 * ```
 */
export function buildRegistrationMessage(
  challenge: Uint8Array,
  parts: { subject: string; node: string },
): Uint8Array {
  const subject = encoder.encode(parts.subject);
  const node = encoder.encode(parts.node);
  const out = new Uint8Array(challenge.length + subject.length + node.length + 1);
  out.set(challenge, 0);
  out.set(subject, challenge.length);
  out.set(node, challenge.length + subject.length);
  out[out.length - 1] = REGISTRATION_MESSAGE_VERSION;
  return out;
}
