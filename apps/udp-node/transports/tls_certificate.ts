/**
 * The DoT certificate and key, read from PEM files and reloaded when either
 * changes (certbot, an ACME client or an operator replaces them in place or
 * by renaming; the files are polled by modification time, size and inode,
 * which sees both). A new pair that does not load (a half-written file, a key
 * that does not match the certificate) is logged and the pair in use is
 * kept; the next change is tried again. New connections get the newest good
 * pair; connections already open keep theirs.
 *
 * TLS 1.2 is the floor (RFC 7858 §3.1 via RFC 8310 §8, BCP 195 / RFC 9325
 * §3.1.1: TLS 1.0 and 1.1 must not be negotiated).
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import tls from "node:tls";
import type { Logger } from "../../../packages/core/log/logger.ts";

/** How often the files are checked for a change. */
const POLL_MS = 1000;

/** What identifies a version of a file without reading it. */
function fingerprint(s: { mtimeMs: number; size: number; ino: number }): string {
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}

/** Builds a TLS context from PEM text; throws with OpenSSL's reason when the pair is bad. */
function secureContext(cert: string, key: string): tls.SecureContext {
  return tls.createSecureContext({ cert, key, minVersion: "TLSv1.2" });
}

/** A certificate and key pair that follows its files. */
export class CertificatePair {
  #certFile: string;
  #keyFile: string;
  #logger: Logger;
  #context: tls.SecureContext;
  #seen: string;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking = false;
  #notAfter = 0;
  #onReload: ((result: "loaded" | "rejected") => void) | undefined;

  private constructor(
    certFile: string,
    keyFile: string,
    logger: Logger,
    context: tls.SecureContext,
    seen: string,
  ) {
    this.#certFile = certFile;
    this.#keyFile = keyFile;
    this.#logger = logger;
    this.#context = context;
    this.#seen = seen;
  }

  /**
   * Loads the pair; throws an error naming the file and OpenSSL's reason when
   * it cannot (start-up stops: a node that cannot serve DoT must not pretend to).
   */
  static async load(certFile: string, keyFile: string, logger: Logger): Promise<CertificatePair> {
    const [cert, key] = await CertificatePair.#read(certFile, keyFile);
    const seen = await CertificatePair.#fingerprints(certFile, keyFile);
    let context: tls.SecureContext;
    try {
      context = secureContext(cert, key);
    } catch (e) {
      throw new Error(
        `Cannot start: DoT certificate ${certFile} with key ${keyFile} does not load: ${
          (e as Error).message
        }`,
      );
    }
    const pair = new CertificatePair(certFile, keyFile, logger, context, seen);
    pair.#describe(cert, "DoT certificate loaded");
    // The key is a secret: every local user able to read it can impersonate the server.
    if (((await stat(keyFile)).mode & 0o004) !== 0) {
      logger.warn("DoT key file is readable by every user: chmod 600 (or 640 for a group)", {
        key_file: keyFile,
      });
    }
    return pair;
  }

  /** Unix time (s) at which the certificate in use expires; 0 when it could not be read. */
  get notAfter(): number {
    return this.#notAfter;
  }

  /** Calls `listener` on each change of the files, with what became of it (for metrics). */
  onReload(listener: (result: "loaded" | "rejected") => void): void {
    this.#onReload = listener;
  }

  /** The context for the next connection. */
  get context(): tls.SecureContext {
    return this.#context;
  }

  /** Starts polling the files (the timer does not keep the process alive). */
  watch(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check(), POLL_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reloads the pair if a file changed; true when a new pair is in use. */
  async check(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    try {
      let seen: string;
      try {
        seen = await CertificatePair.#fingerprints(this.#certFile, this.#keyFile);
      } catch (e) {
        // Mid-rename, or removed: keep serving the pair in memory.
        if (this.#seen !== "missing") {
          this.#logger.warn("DoT certificate files unreadable; keeping the current pair", {
            error: (e as Error).message,
          });
        }
        this.#seen = "missing";
        return false;
      }
      if (seen === this.#seen) return false;
      this.#seen = seen;
      try {
        const [cert, key] = await CertificatePair.#read(this.#certFile, this.#keyFile);
        this.#context = secureContext(cert, key);
        this.#describe(cert, "DoT certificate reloaded");
        this.#onReload?.("loaded");
        return true;
      } catch (e) {
        this.#logger.warn("DoT certificate change rejected; keeping the current pair", {
          cert_file: this.#certFile,
          key_file: this.#keyFile,
          error: (e as Error).message,
        });
        this.#onReload?.("rejected");
        return false;
      }
    } finally {
      this.#checking = false;
    }
  }

  /** Logs the subject and validity, and warns when the certificate is not valid now. */
  #describe(certPem: string, msg: string): void {
    try {
      const x = new X509Certificate(certPem);
      const notAfter = new Date(x.validTo);
      const notBefore = new Date(x.validFrom);
      this.#notAfter = Math.floor(notAfter.getTime() / 1000);
      const fields = {
        subject: x.subject.replace(/\n/g, ", "),
        not_after: notAfter.toISOString(),
      };
      this.#logger.info(msg, fields);
      const now = Date.now();
      if (now > notAfter.getTime() || now < notBefore.getTime()) {
        this.#logger.warn("DoT certificate is not valid now: clients will refuse it", fields);
      }
    } catch {
      this.#notAfter = 0;
      this.#logger.info(msg, { cert_file: this.#certFile });
    }
  }

  static async #fingerprints(certFile: string, keyFile: string): Promise<string> {
    const [c, k] = await Promise.all([stat(certFile), stat(keyFile)]);
    return fingerprint(c) + "/" + fingerprint(k);
  }

  static async #read(certFile: string, keyFile: string): Promise<[string, string]> {
    const read = async (file: string, what: string) => {
      try {
        return await readFile(file, "utf8");
      } catch (e) {
        throw new Error(`Cannot read the DoT ${what} ${file}: ${(e as Error).message}`);
      }
    };
    return await Promise.all([read(certFile, "certificate"), read(keyFile, "key")]);
  }
}
