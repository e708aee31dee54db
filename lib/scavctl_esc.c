// SPDX-License-Identifier: MIT
/*
 * scavctl: escaping of the strings the kernel hands over (process names,
 * extended-ACK messages) before they reach a terminal or a JSON reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scavctl_esc.h"

/* A buffer filled piece by piece; a piece that does not fit ends it. */
struct esc_out {
	char *buf;
	size_t size;	/* room for text, the NUL excluded */
	size_t len;
	int full;
};

static void esc_put(struct esc_out *o, const char *piece, size_t n)
{
	if (o->full || n > o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, piece, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

const char *scavctl_esc_text(const char *s, char *buf, size_t size)
{
	struct esc_out o = { buf, size - 1, 0, 0 };
	const unsigned char *p = (const unsigned char *)s;
	char hex[5];

	buf[0] = '\0';
	for (; *p && !o.full; p++) {
		if (*p == '\\') {
			esc_put(&o, "\\\\", 2);
		} else if (*p >= 0x20 && *p < 0x7f) {
			esc_put(&o, (const char *)p, 1);
		} else {
			snprintf(hex, sizeof(hex), "\\x%02x", *p);
			esc_put(&o, hex, 4);
		}
	}
	return buf;
}

/*
 * The length of the valid UTF-8 sequence at @s and its code point, or 0:
 * no overlong forms, no UTF-16 surrogates, nothing past U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	/* A NUL is no continuation byte, so this stops at the end. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

const char *scavctl_esc_json(const char *s, char *buf, size_t size)
{
	/* Room for the closing quote is kept aside. */
	struct esc_out o = { buf, size - 2, 0, 0 };
	const unsigned char *p = (const unsigned char *)s;
	char u[7];

	buf[0] = '\0';
	esc_put(&o, "\"", 1);
	while (*p && !o.full) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);

		if (!n) {
			esc_put(&o, "\\ufffd", 6);
			n = 1;
		} else if (cp == '"' || cp == '\\') {
			u[0] = '\\';
			u[1] = cp;
			esc_put(&o, u, 2);
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			snprintf(u, sizeof(u), "\\u%04x", (unsigned int)cp);
			esc_put(&o, u, 6);
		} else {
			esc_put(&o, (const char *)p, n);
		}
		p += n;
	}
	o.size++;
	o.full = 0;
	esc_put(&o, "\"", 1);
	return buf;
}

const char *scavctl_esc_prom(const char *s, char *buf, size_t size)
{
	struct esc_out o = { buf, size - 1, 0, 0 };
	const unsigned char *p = (const unsigned char *)s;
	char hex[6];

	buf[0] = '\0';
	while (*p && !o.full) {
		uint32_t cp = 0;
		size_t n = utf8_seq(p, &cp);

		if (cp == '\\') {
			esc_put(&o, "\\\\\\\\", 4);
		} else if (cp == '"') {
			esc_put(&o, "\\\"", 2);
		} else if (n && cp >= 0x20 && (cp < 0x7f || cp > 0x9f)) {
			esc_put(&o, (const char *)p, n);
		} else {
			snprintf(hex, sizeof(hex), "\\\\x%02x", *p);
			esc_put(&o, hex, 5);
			n = 1;
		}
		p += n;
	}
	return buf;
}
