/**
 * Test support: a zone with three delegations (in-bailiwick glue, with DS
 * data at the cut, out of bailiwick), names the store holds below a cut, and
 * CNAME chains in and out of the zone.
 *
 * @module
 */

/** The zone `example.test`. */
export const DELEGATIONS_ZONE = `$ORIGIN example.test.
$TTL 300
@         IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@         IN NS  ns1.example.test.
@         IN NS  ns2.example.test.
ns1       IN A    192.0.2.53
ns2       IN AAAA 2001:db8::53
www       IN A    192.0.2.80
sub       IN NS   ns1.sub
sub       IN NS   ns.elsewhere.example.
sub       IN A    192.0.2.1
ns1.sub   IN A    192.0.2.153
host.sub  IN A    192.0.2.154
deep.host.sub IN TXT "occluded"
far       IN NS   ns1.example.net.
inner.far IN NS   ns.inner.far
alias     IN CNAME www
chain1    IN CNAME chain2
chain2    IN CNAME alias
out       IN CNAME www.example.net.
dangling  IN CNAME nothere
loop1     IN CNAME loop2
loop2     IN CNAME loop1
tocut     IN CNAME host.sub
toapex    IN CNAME @
`;
