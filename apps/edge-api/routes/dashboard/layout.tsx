/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The dashboard's page frame (issue 14): one stylesheet (inline, allowed by
 * hash in the CSP), a navigation bar, a notice or error line, and a sign-out
 * form carrying the CSRF token. Every action is a form posting back, so the
 * pages work with JavaScript off; the only script is the query log's
 * same-origin file (`script`), and every other page has `script-src 'none'`.
 * The layout is one column that fits 390 px; wide tables scroll inside their
 * own box instead of widening the page.
 *
 * @module
 */

import type { Child } from "hono/jsx";

/** The dashboard's stylesheet (hashed into the CSP). */
export const DASHBOARD_STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f23;background:#fff}
header{background:#24292f;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header strong{margin-right:.5rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem}
nav a{color:#fff;padding:.35rem .2rem}
nav a[aria-current=page]{font-weight:700;text-decoration:underline}
header form{margin-left:auto}
main{padding:1rem;max-width:72rem}
h1{font-size:1.35rem;margin:.25rem 0 .75rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:#0969da}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #fb8f44;outline-offset:1px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f5f7}
td.value{min-width:9rem;word-break:break-all;font-family:ui-monospace,monospace;font-size:.9em}
form.stack{display:grid;gap:.5rem;max-width:34rem}
form.stack label{display:grid;gap:.15rem;font-weight:600}
form.inline{display:inline}
fieldset{border:1px solid #ddd;padding:.5rem .75rem;display:grid;gap:.5rem}
input,select,button{font:inherit;padding:.35rem .5rem;min-height:2.2rem;max-width:100%}
textarea{font:.9em/1.4 ui-monospace,monospace;padding:.35rem .5rem;max-width:100%}
textarea:focus{outline:3px solid #fb8f44;outline-offset:1px}
form.stack label.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
button{cursor:pointer;background:#f6f8fa;border:1px solid #8c959f;border-radius:4px}
button.danger{color:#a40e26;border-color:#a40e26}
.notice{background:#dafbe1;border:1px solid #1a7f37;padding:.5rem .75rem}
.error{background:#ffebe9;border:1px solid #cf222e;padding:.5rem .75rem}
.secret{font-family:ui-monospace,monospace;word-break:break-all;background:#fff8c5;padding:.5rem;border:1px solid #d4a72c}
.chips{display:flex;flex-wrap:wrap;gap:.35rem;margin:.5rem 0;padding:0;list-style:none}
.chips a{display:inline-block;padding:.15rem .6rem;border:1px solid #8c959f;border-radius:1rem;text-decoration:none}
.chips a[aria-current=true]{background:#0969da;color:#fff;border-color:#0969da}
.muted{color:#57606a}
.fresh{color:#116329}
.stale{color:#9a6700}
.own{font-weight:700}
#overview td{white-space:nowrap}
.nodes{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,26rem),1fr))}
.node{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .75rem;min-width:0}
.node h3{font-size:1rem;margin:.1rem 0 .4rem;overflow-wrap:anywhere}
dl.figures{display:grid;grid-template-columns:minmax(0,9rem) minmax(0,1fr);gap:.15rem .75rem;margin:0}
dl.figures dt{color:#57606a}
dl.figures dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.outcomes{list-style:none;margin:.2rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
.outcomes li{border:1px solid #d0d7de;border-radius:1rem;padding:0 .5rem;font-size:.9em;font-variant-numeric:tabular-nums}
.sparks{display:grid;gap:.1rem;margin:.5rem 0 0}
svg.spark{display:block;width:100%;max-width:24rem;height:2rem}
#edge-requests svg.spark{width:8rem}
`;

/** The views in the navigation bar. */
export type DashboardView =
  | "overview"
  | "zones"
  | "keys"
  | "nodes"
  | "query-log"
  | "audit"
  | "sign-in";

const NAV: readonly { view: DashboardView; href: string; label: string }[] = [
  { view: "overview", href: "/admin/overview", label: "Overview" },
  { view: "zones", href: "/admin/zones", label: "Zones" },
  { view: "keys", href: "/admin/keys", label: "Keys and tokens" },
  { view: "nodes", href: "/admin/nodes", label: "Nodes" },
  { view: "query-log", href: "/admin/query-log", label: "Query log" },
  { view: "audit", href: "/admin/audit", label: "Audit log" },
];

/** What every page passes to the frame. */
export interface LayoutProps {
  title: string;
  view: DashboardView;
  /** The session's CSRF token; absent on the sign-in page (no session yet). */
  csrf?: string;
  notice?: string;
  error?: string;
  /** Reload the page every so many seconds (a meta refresh: no script). */
  refreshSeconds?: number;
  /** A same-origin script the page loads (deferred); the page's CSP must allow 'self'. */
  script?: string;
  children?: Child;
}

/**
 * The hidden CSRF field every state-changing form carries.
 *
 * @param props the token
 * @returns the input element
 */
export function CsrfField(props: { csrf: string }) {
  return <input type="hidden" name="_csrf" value={props.csrf} />;
}

/**
 * The page frame.
 *
 * @param props title, view, CSRF token, notice/error and the body
 * @returns the document element
 */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        {props.refreshSeconds
          ? <meta http-equiv="refresh" content={String(props.refreshSeconds)} />
          : null}
        <title>{`${props.title} · dmp-edge admin`}</title>
        <style dangerouslySetInnerHTML={{ __html: DASHBOARD_STYLE }} />
        {props.script && <script src={props.script} defer></script>}
      </head>
      <body>
        <header>
          <strong>dmp-edge admin</strong>
          {props.csrf !== undefined && (
            <nav aria-label="Dashboard">
              {NAV.map((n) => (
                <a href={n.href} aria-current={n.view === props.view ? "page" : undefined}>
                  {n.label}
                </a>
              ))}
            </nav>
          )}
          {props.csrf !== undefined && (
            <form method="post" action="/admin/sign-out">
              <CsrfField csrf={props.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.notice && <p class="notice" role="status">{props.notice}</p>}
          {props.error && <p class="error" role="alert">{props.error}</p>}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/**
 * Renders a page to a document string.
 *
 * @param props the frame's props
 * @returns the HTML document
 */
export function renderPage(props: LayoutProps): string {
  return "<!DOCTYPE html>" + String(<Layout {...props} />);
}

/**
 * A unix time as `YYYY-MM-DD HH:MM:SSZ` (UTC), or "-" for none.
 *
 * @param ts unix seconds, 0/null for none
 * @returns the text
 */
export function timeText(ts: number | null): string {
  if (!ts) return "-";
  return new Date(ts * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
