/**
 * Texts every boundary must refuse, shared by the validator tests, the schema
 * tests and the install.sh test (so the shell check and core agree).
 *
 * @module
 */

/** Texts every boundary must refuse (issue 10: `999.1.1.1`, `01.2.3.4`; issue 12 #12: short forms). */
export const BAD_IPV4 = [
  "",
  "999.1.1.1",
  "256.0.0.1",
  "01.2.3.4",
  "1.2.3.04",
  "00.1.2.3",
  "1.2.3",
  "1.2.3.4.5",
  "1.2.3.",
  ".1.2.3",
  "127.1",
  "2130706433",
  "0x7f000001",
  "0177.0.0.1",
  "1.2.3.+4",
  "1.2.3.-4",
  "1.2.3.4 ",
  " 1.2.3.4",
  "1.2.3.4/32",
  "١.2.3.4",
  "８.8.8.8",
  "1..3.4",
];

/** Texts every boundary must refuse (issue 10: `:::`). */
export const BAD_IPV6 = [
  "",
  ":",
  ":::",
  "::::",
  "1:::2",
  "::1::",
  "1::2::3",
  "1:2:3:4:5:6:7",
  "1:2:3:4:5:6:7:8:9",
  "1::2:3:4:5:6:7:8",
  ":1::2",
  "1::2:",
  ":1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:",
  "12345::",
  "g::",
  "fe80::1%eth0",
  "::1/128",
  "::1.2.3",
  "::01.2.3.4",
  "::256.1.1.1",
  "1.2.3.4",
  "::1.2.3.4:5",
  "1.2.3.4::",
  "1:2:3:4:5:6:7:1.2.3.4",
  " ::1",
  "[::1]",
];

/** Texts every host-name boundary must refuse. */
export const BAD_HOST_NAMES = [
  "",
  ".",
  "a..b",
  ".a",
  "-a.example",
  "a-.example",
  "a b.example",
  "a@b.example",
  "é.example",
  "a".repeat(64) + ".example",
  ("a".repeat(63) + ".").repeat(4) + "a",
];
