/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The `/` landing page (issue 10; the reference has one too, brief §1.4
 * "Landing page"): what this server is, where its machine-readable and human
 * pages are, how to register, and one `dig` to try. Server-rendered with
 * Hono's JSX like `/nodes`; no external assets and no script, the style is
 * inline and allowed by hash in the CSP.
 *
 * @module
 */

/** The page's stylesheet (hashed into the CSP). */
export const LANDING_STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:46rem;padding:0 1rem;color:#1b1f23}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1.1rem;margin:1.5rem 0 .4rem}
code,pre{font-size:.9em;background:#f4f5f7;border-radius:4px}
code{padding:0 .25rem}
pre{padding:.6rem .8rem;overflow-x:auto}
ul{padding-left:1.2rem}
.off{color:#777}
`;

/** The project the node implements. */
export const PROTOCOL_URL = "https://github.com/oscarvalenzuelab/DNSMeshProtocol";

/** What the page shows. */
export interface LandingPageProps {
  /** the served zone, or "" */
  zone: string;
  /** the node's public host name, or "" */
  nodeHostname: string;
  /** whether `/v1/registration/*` is on */
  registration: boolean;
  /** whether `/nodes` and the directory feeds are on */
  directory: boolean;
  /** whether the operator API is on (an operator token is configured) */
  operatorApi: boolean;
}

function LandingPage(props: LandingPageProps) {
  const title = props.nodeHostname ? `DMP node ${props.nodeHostname}` : "DMP node";
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style dangerouslySetInnerHTML={{ __html: LANDING_STYLE }} />
      </head>
      <body>
        <h1>{title}</h1>
        <p>
          This is the HTTP side of a <a href={PROTOCOL_URL}>DNS Mesh Protocol</a>{" "}
          (DMP) node, run by dmp-edge. DMP stores signed messages and identities as DNS TXT records;
          clients read them over plain DNS and publish through this API or signed DNS UPDATEs.
          {props.zone
            ? (
              <>
                {" "}This node serves the zone <code>{props.zone}</code>.
              </>
            )
            : null}
        </p>
        <h2>Pages and endpoints</h2>
        <ul>
          <li>
            <a href="/health">/health</a> — is the store reachable (JSON)
          </li>
          <li>
            <a href="/stats">/stats</a> — live record count (JSON)
          </li>
          {props.directory
            ? (
              <>
                <li>
                  <a href="/nodes">/nodes</a> — the directory of DMP nodes this edge has heard
                </li>
                <li>
                  <a href="/v1/directory/feed.json">/v1/directory/feed.json</a> — the same, as JSON
                </li>
              </>
            )
            : (
              <li class="off">
                /nodes — the node directory is off here (<code>DMP_DIRECTORY_ENABLED</code>)
              </li>
            )}
          {props.registration
            ? (
              <li>
                <code>GET /v1/registration/challenge</code>, then{" "}
                <code>POST /v1/registration/confirm</code> (bearer token) or{" "}
                <code>POST /v1/registration/tsig-confirm</code>{" "}
                (TSIG key for DNS UPDATE) — self-service registration
              </li>
            )
            : <li class="off">Registration is off here.</li>}
          {props.operatorApi
            ? (
              <li>
                <code>/v1/admin/*</code> — the operator API (operator token required)
              </li>
            )
            : null}
        </ul>
        {props.zone
          ? (
            <>
              <h2>Try it</h2>
              <pre>{`dig @${props.nodeHostname || "<node address>"} ${props.zone} SOA +norec
dig @${props.nodeHostname || "<node address>"} _dnsmesh-heartbeat.${props.zone} TXT +norec`}</pre>
            </>
          )
          : null}
        <h2>Documentation</h2>
        <p>
          The protocol: <a href={PROTOCOL_URL}>{PROTOCOL_URL}</a>. Running a node: the dmp-edge{" "}
          <code>README.md</code> and <code>docs/operators.md</code>; the HTTP routes:{" "}
          <code>apps/edge-api/README.md</code>.
        </p>
      </body>
    </html>
  );
}

/**
 * Renders the whole page.
 *
 * @param props what to show
 * @returns the HTML document
 */
export function renderLandingPage(props: LandingPageProps): string {
  return "<!DOCTYPE html>" + String(<LandingPage {...props} />);
}
