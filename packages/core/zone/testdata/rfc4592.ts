/**
 * Test support: the example zone of RFC 4592 §2.2.1, whose query cases
 * (§2.2.1 and §3.3.3) the wildcard and closest-encloser tests replay.
 *
 * @module
 */

/** RFC 4592 §2.2.1, with SOA and SRV RDATA filled in. */
export const RFC4592_ZONE = `$ORIGIN example.
example.                 3600 IN  SOA   ns.example.com. hostmaster.example. 1 3600 600 86400 300
example.                 3600     NS    ns.example.com.
example.                 3600     NS    ns.example.net.
*.example.               3600     TXT   "this is a wildcard"
*.example.               3600     MX    10 host1.example.
sub.*.example.           3600     TXT   "this is not a wildcard"
host1.example.           3600     A     192.0.2.1
_ssh._tcp.host1.example. 3600     SRV   0 0 22 host1.example.
_ssh._tcp.host2.example. 3600     SRV   0 0 22 host2.example.
subdel.example.          3600     NS    ns.example.com.
subdel.example.          3600     NS    ns.example.net.
`;
