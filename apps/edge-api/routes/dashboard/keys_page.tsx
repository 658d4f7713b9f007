/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Keys and tokens (issue 14): user tokens (hash prefix, subject, issued,
 * expiry, state) with revoke buttons and the issue form, and TSIG keys
 * (name, algorithm, scope, subject, created, last used, state) with revoke
 * buttons; "last used" is when a node last verified a message signed with
 * the key (UPDATE, AXFR/IXFR), at most about a minute behind. A
 * newly issued token is shown once, on the answer to the form that issued
 * it; the store keeps only its hash, so it can never be shown again.
 *
 * @module
 */

import type { TokenRecord } from "../../../../packages/core/store/tokens.ts";
import type { TsigKeyInfo } from "../../../../packages/core/store/tsig_keys.ts";
import { CsrfField, renderPage, timeText } from "./layout.tsx";

/** What the keys page shows. */
export interface KeysPageProps {
  tokens: TokenRecord[];
  keys: TsigKeyInfo[];
  now: number;
  csrf: string;
  /** The issue form's one-time nonce (a re-post of the same form issues nothing). */
  formNonce: string;
  /** A token just issued: shown this once. */
  issued?: { token: string; subject: string };
  notice?: string;
  error?: string;
  form?: Record<string, string>;
}

function tokenState(t: TokenRecord, now: number): string {
  if (t.revokedAt) return `revoked ${timeText(t.revokedAt)}`;
  if (t.expiresAt !== null && t.expiresAt <= now) return "expired";
  return "active";
}

function keyState(k: TsigKeyInfo, now: number): string {
  if (k.revoked) return "revoked";
  if (k.expiresAt !== 0 && k.expiresAt <= now) return "expired";
  return "active";
}

/**
 * Renders the keys and tokens page.
 *
 * @param props tokens, keys, CSRF token, a just-issued token, notice/error
 * @returns the HTML document
 */
export function renderKeysPage(props: KeysPageProps): string {
  return renderPage({
    title: "Keys and tokens",
    view: "keys",
    csrf: props.csrf,
    notice: props.notice,
    error: props.error,
    children: (
      <>
        {props.issued && (
          <section aria-labelledby="issued-h">
            <h2 id="issued-h">{`Token issued for ${props.issued.subject}`}</h2>
            <p>Copy it now: it is not stored and will not be shown again.</p>
            <p class="secret" id="issued-token">{props.issued.token}</p>
          </section>
        )}
        <h2>User tokens</h2>
        <div class="scroll">
          <table id="tokens">
            <thead>
              <tr>
                <th>Hash</th>
                <th>Subject</th>
                <th>Issued</th>
                <th>Expires</th>
                <th>Issuer / note</th>
                <th>State</th>
                <th>Revoke</th>
              </tr>
            </thead>
            <tbody>
              {props.tokens.map((t) => {
                const state = tokenState(t, props.now);
                return (
                  <tr data-hash={t.tokenHash} data-state={state === "active" ? "active" : "gone"}>
                    <td>
                      <code title={t.tokenHash}>{t.tokenHash.slice(0, 12)}</code>
                    </td>
                    <td>{t.subject}</td>
                    <td>{timeText(t.issuedAt)}</td>
                    <td>{t.expiresAt === null ? "never" : timeText(t.expiresAt)}</td>
                    <td>{t.note ? `${t.issuer}: ${t.note}` : t.issuer}</td>
                    <td>{state}</td>
                    <td>
                      {state === "active" && (
                        <form
                          class="inline"
                          method="post"
                          action={`/admin/tokens/${t.tokenHash}/revoke`}
                        >
                          <CsrfField csrf={props.csrf} />
                          <button
                            type="submit"
                            class="danger"
                            aria-label={`Revoke token ${t.tokenHash.slice(0, 12)}`}
                          >
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <h2>Issue a token</h2>
        <form class="stack" method="post" action="/admin/tokens" id="issue-token">
          <CsrfField csrf={props.csrf} />
          <input type="hidden" name="_once" value={props.formNonce} />
          <label>
            Subject
            <input
              type="text"
              name="subject"
              required
              placeholder="user@domain"
              value={props.form?.subject ?? ""}
            />
          </label>
          <label>
            Rate per second
            <input type="text" name="rate_per_sec" value={props.form?.rate_per_sec ?? "10"} />
          </label>
          <label>
            Burst
            <input type="text" name="rate_burst" value={props.form?.rate_burst ?? "50"} />
          </label>
          <label>
            Lifetime (seconds, 0 = never expires)
            <input type="text" name="ttl_seconds" value={props.form?.ttl_seconds ?? "0"} />
          </label>
          <label>
            Note
            <input type="text" name="note" maxlength={500} value={props.form?.note ?? ""} />
          </label>
          <button type="submit">Issue token</button>
        </form>
        <h2>TSIG keys</h2>
        <div class="scroll">
          <table id="tsig-keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Algorithm</th>
                <th>Scope</th>
                <th>Subject</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>State</th>
                <th>Revoke</th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => {
                const state = keyState(k, props.now);
                return (
                  <tr data-key={k.name}>
                    <td>
                      <code>{k.name}</code>
                    </td>
                    <td>{k.algorithm}</td>
                    <td>{k.allowedSuffixes.join(", ") || "-"}</td>
                    <td>{k.subject || "-"}</td>
                    <td>{timeText(k.createdAt)}</td>
                    <td>{k.expiresAt ? timeText(k.expiresAt) : "never"}</td>
                    <td class="last-used">{k.lastUsedAt ? timeText(k.lastUsedAt) : "never"}</td>
                    <td>{state}</td>
                    <td>
                      {state === "active" && (
                        <form
                          class="inline"
                          method="post"
                          action={`/admin/tsig-keys/${encodeURIComponent(k.name)}/revoke`}
                        >
                          <CsrfField csrf={props.csrf} />
                          <button
                            type="submit"
                            class="danger"
                            aria-label={`Revoke key ${k.name}`}
                          >
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {props.keys.length === 0 && <p class="muted">No TSIG keys.</p>}
      </>
    ),
  });
}
