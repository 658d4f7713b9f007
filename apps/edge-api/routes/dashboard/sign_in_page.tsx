/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The sign-in view (issue 14): one field for the operator token. The form
 * posts to `/admin/sign-in`; the token is never echoed back.
 *
 * @module
 */

import { renderPage } from "./layout.tsx";

/**
 * Renders the sign-in page.
 *
 * @param props an error to show (wrong token, rate limited)
 * @returns the HTML document
 */
export function renderSignInPage(props: { error?: string; notice?: string }): string {
  return renderPage({
    title: "Sign in",
    view: "sign-in",
    error: props.error,
    notice: props.notice,
    children: (
      <form class="stack" method="post" action="/admin/sign-in">
        <label>
          Operator token
          <input
            type="password"
            name="token"
            required
            autocomplete="current-password"
            maxlength={512}
            autofocus
          />
        </label>
        <button type="submit">Sign in</button>
      </form>
    ),
  });
}
