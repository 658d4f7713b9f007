/**
 * Secrets of the registration flow: the challenge key (stateless challenges,
 * `packages/core/registration/challenge.ts`) and the secret box that seals
 * minted TSIG secrets. The challenge key is `DMP_REGISTRATION_SECRET`, or
 * derived from `DMP_TSIG_SECRET_KEY` with a distinct label so the two keys
 * are never the same bytes.
 *
 * @module
 */

import { type Config, ConfigError } from "../../../../packages/core/config/env.ts";
import { hexToBytes } from "../../../../packages/core/dmp/hex.ts";
import { hmacSha256 } from "../../../../packages/core/registration/x25519_pop.ts";
import { createSecretBox, type SecretBox } from "../../../../packages/core/store/secret_box.ts";

/** The resolved registration secrets. */
export interface RegistrationSecrets {
  challengeKey: Uint8Array;
  /** undefined when DNS UPDATE (and so tsig-confirm) is off */
  box: SecretBox | undefined;
}

const LABEL = new TextEncoder().encode("dmp-edge/registration-secret/v1");

/**
 * True when registration is enabled (brief §2 "Gate"): the switch, multi-tenant
 * mode and a node host name.
 *
 * @param c the config
 * @param mode the effective auth mode
 * @returns whether the registration routes exist
 */
export function registrationEnabled(c: Config, mode: string): boolean {
  return c.DMP_REGISTRATION_ENABLED && mode === "multi-tenant" && !!c.DMP_NODE_HOSTNAME;
}

/**
 * Checks the settings registration needs, synchronously (start-up).
 *
 * @param c the config
 */
export function assertRegistrationConfig(c: Config): void {
  if (!c.DMP_REGISTRATION_SECRET && !c.DMP_TSIG_SECRET_KEY) {
    throw new ConfigError(
      "Cannot start: registration needs DMP_REGISTRATION_SECRET or DMP_TSIG_SECRET_KEY (64 hex) for stateless challenges",
    );
  }
  if (c.DMP_DNS_UPDATE_ENABLED && !c.DMP_TSIG_SECRET_KEY) {
    throw new ConfigError(
      "Cannot start: tsig-confirm needs DMP_TSIG_SECRET_KEY (64 hex) to seal minted TSIG secrets",
    );
  }
}

/**
 * Resolves the secrets (async: WebCrypto).
 *
 * @param c the config, already checked by {@linkcode assertRegistrationConfig}
 * @returns the challenge key and the secret box
 */
export async function loadRegistrationSecrets(c: Config): Promise<RegistrationSecrets> {
  const challengeKey = c.DMP_REGISTRATION_SECRET
    ? hexToBytes(c.DMP_REGISTRATION_SECRET)!
    : await hmacSha256(hexToBytes(c.DMP_TSIG_SECRET_KEY ?? "")!, LABEL);
  const box = c.DMP_DNS_UPDATE_ENABLED && c.DMP_TSIG_SECRET_KEY
    ? await createSecretBox(c.DMP_TSIG_SECRET_KEY)
    : undefined;
  return { challengeKey, box };
}
