/* SPDX-License-Identifier: MIT */
/*
 * scavctl: strings that came from the kernel, made safe to print.  A
 * process names itself (prctl(PR_SET_NAME)), so its name may hold terminal
 * escape sequences, newlines or bytes that are not UTF-8.
 */
#ifndef SCAVCTL_ESC_H
#define SCAVCTL_ESC_H

#include <stddef.h>

/* Room for @n bytes escaped, and the NUL: each byte takes at most \xNN. */
#define SCAVCTL_ESC_TEXT_SIZE(n)	(4 * (n) + 1)
/* Each byte takes at most 6 (\u00XX, \ufffd), then the quotes and the NUL. */
#define SCAVCTL_ESC_JSON_SIZE(n)	(6 * (n) + 3)

/*
 * @s for a person's terminal: printable ASCII as it is, but for the
 * backslash, which is doubled; every other byte as \xNN (lowercase hex),
 * so that what is shown is ASCII and reads back to the bytes.  Into @buf
 * of @size bytes, cut before an escape that does not fit; returns @buf.
 */
const char *scavctl_esc_text(const char *s, char *buf, size_t size);

/*
 * @s as a JSON string with its quotes (RFC 8259): " and \ escaped, the
 * control characters (U+0000 to U+001F, U+007F to U+009F) as \u00XX, valid
 * UTF-8 as it is, and each byte that is not part of a valid UTF-8 sequence
 * as \ufffd.  Into @buf of @size bytes (at least 3), cut before what does
 * not fit, but always closed; returns @buf.
 */
const char *scavctl_esc_json(const char *s, char *buf, size_t size);

/* Each byte takes at most 5 (\\xNN), then the NUL. */
#define SCAVCTL_ESC_PROM_SIZE(n)	(5 * (n) + 1)

/*
 * @s as the value of a label in Prometheus's text format, without the
 * quotes, so that the value is UTF-8 and reads back to the bytes: valid
 * UTF-8 other than the control characters as it is (the quote as \"), the
 * backslash doubled in the value (\\\\ in the text), and every other byte
 * as the four characters \xNN of the value (\\xNN in the text: the format
 * knows no \x).  Into @buf of @size bytes, cut before an escape that does
 * not fit; returns @buf.
 */
const char *scavctl_esc_prom(const char *s, char *buf, size_t size);

#endif /* SCAVCTL_ESC_H */
