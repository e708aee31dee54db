// SPDX-License-Identifier: GPL-2.0
/*
 * What libscav-nl and scavctl make of bytes they cannot trust, without the
 * module: crafted NLMSG_ERROR messages fed to libscav-nl's parser, and
 * process names (which any process sets itself) through scavctl's escaping.
 * Each message is parsed from a buffer of exactly its received length, so
 * that AddressSanitizer sees any read past it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "scav_nl_private.h"
#include "scavctl_esc.h"

/* An NLMSG_ERROR message, built piece by piece. */
struct ack {
	union {
		struct nlmsghdr h;
		char b[1024];
	};
	size_t len;
};

static struct nlmsgerr *ack_start(struct ack *a, int error, uint16_t flags)
{
	struct nlmsgerr *e = (struct nlmsgerr *)(a->b + NLMSG_HDRLEN);

	memset(a, 0, sizeof(*a));
	a->h.nlmsg_type = NLMSG_ERROR;
	a->h.nlmsg_flags = flags;
	e->error = error;
	/* The request, as the kernel echoes its header: a generic-netlink one. */
	e->msg.nlmsg_len = NLMSG_HDRLEN + 4;
	e->msg.nlmsg_type = 0x20;
	a->len = NLMSG_LENGTH(sizeof(*e));
	a->h.nlmsg_len = a->len;
	return e;
}

/* The payload of the echoed request (NLM_F_CAPPED not set). */
static void ack_echo(struct ack *a, size_t payload)
{
	struct nlmsgerr *e = (struct nlmsgerr *)(a->b + NLMSG_HDRLEN);

	e->msg.nlmsg_len = NLMSG_HDRLEN + payload;
	memset(a->b + a->len, 0x5a, payload);
	a->len += NLMSG_ALIGN(payload);
	a->h.nlmsg_len = a->len;
}

static struct nlattr *ack_attr(struct ack *a, uint16_t type, const void *data,
			       size_t len)
{
	struct nlattr *at = (struct nlattr *)(a->b + a->len);

	at->nla_len = NLA_HDRLEN + len;
	at->nla_type = type;
	if (len)	/* a nest starts with no data, and NULL */
		memcpy(at + 1, data, len);
	a->len += NLA_ALIGN(at->nla_len);
	a->h.nlmsg_len = a->len;
	return at;
}

/* A nest of the bounds of an attribute, as the kernel reports a policy. */
static void ack_bounds(struct ack *a, uint64_t min, uint64_t max)
{
	struct nlattr *nest = ack_attr(a, NLMSGERR_ATTR_POLICY, NULL, 0);

	ack_attr(a, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, &min, sizeof(min));
	ack_attr(a, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, &max, sizeof(max));
	nest->nla_len = a->b + a->len - (char *)nest;
}

/*
 * Parse @received bytes of the message, from a copy of just that size;
 * the text lands in @msg, first filled with junk so that a missed write
 * shows.
 */
static int ack_parse(const struct ack *a, size_t received, char *msg, size_t size)
{
	void *copy = malloc(received ? received : 1);
	int ret;

	memcpy(copy, a->b, received);
	memset(msg, 'J', size);
	ret = scav_nl_ack_error(copy, received, msg, size);
	free(copy);
	return ret;
}

TEST(an_error_with_a_message_gives_both)
{
	static const char text[] = "scav: no such session";
	struct ack a;
	char msg[256];

	ack_start(&a, -ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	ack_attr(&a, NLMSGERR_ATTR_MSG, text, sizeof(text));
	EXPECT_EQ(-ENOENT, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ(text, msg);
}

TEST(an_uncapped_error_skips_the_echoed_request)
{
	static const char text[] = "scav: bad flags";
	struct ack a;
	char msg[256];

	ack_start(&a, -EINVAL, NLM_F_ACK_TLVS);
	ack_echo(&a, 4 + 8 + 3);	/* genl header, an attribute, unaligned */
	ack_attr(&a, NLMSGERR_ATTR_MSG, text, sizeof(text));
	ack_bounds(&a, 10, 3600000);
	EXPECT_EQ(-EINVAL, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("scav: bad flags; the attribute takes values 10 to 3600000", msg);
}

TEST(an_error_without_attributes_gives_the_error_alone)
{
	struct ack a;
	char msg[256];

	ack_start(&a, -EPERM, 0);
	EXPECT_EQ(-EPERM, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	/* A missing attribute, said by number. */
	ack_start(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	ack_attr(&a, NLMSGERR_ATTR_MISS_TYPE, &(uint32_t){ 7 }, 4);
	EXPECT_EQ(-EINVAL, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("missing attribute 7", msg);
}

TEST(a_message_shorter_than_nlmsgerr_is_refused)
{
	struct ack a;
	char msg[64];
	size_t len;

	ack_start(&a, -EINVAL, 0);
	for (len = 0; len < a.len; len++) {
		a.h.nlmsg_len = len;
		EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
		EXPECT_EQ(-EPROTO, ack_parse(&a, len, msg, sizeof(msg)));
		EXPECT_STREQ("", msg);
	}
}

TEST(a_length_past_what_was_received_is_refused)
{
	static const char text[] = "scav: the attribute is out of range";
	struct ack a;
	char msg[64];

	ack_start(&a, -ERANGE, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	ack_attr(&a, NLMSGERR_ATTR_MSG, text, sizeof(text));
	EXPECT_EQ(-EPROTO, ack_parse(&a, a.len - 4, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	a.h.nlmsg_len = 0xffffffff;
	EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
}

/*
 * The echoed request's own length is the kernel's word too: below a header
 * it wrapped around (the TLVs were looked for 4 GiB away), above what was
 * received it pointed past the message.
 */
TEST(an_echoed_request_length_that_does_not_fit_is_refused)
{
	static const uint32_t bad[] = { 0, 1, NLMSG_HDRLEN - 1, 0x80000010, 0xffffffff };
	struct nlmsgerr *e;
	struct ack a;
	char msg[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = ack_start(&a, -EINVAL, NLM_F_ACK_TLVS);
		ack_echo(&a, 8);
		ack_attr(&a, NLMSGERR_ATTR_MSG, "x", 2);
		e->msg.nlmsg_len = bad[i];
		EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
		EXPECT_STREQ("", msg);
	}
	/* Just past the message: the echo would cover the attributes and more. */
	e->msg.nlmsg_len = a.len - NLMSG_LENGTH(sizeof(*e)) + NLMSG_HDRLEN + 1;
	EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
	/* Exactly to the end: an echo, and no attributes after it. */
	e->msg.nlmsg_len--;
	EXPECT_EQ(-EINVAL, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
}

TEST(malformed_attributes_are_not_read_past)
{
	static const char unterminated[] = { 'a', 'b', 'c', 'd' };
	struct nlattr *at;
	struct ack a;
	char msg[64];

	/* A string without its NUL: refused by the policy. */
	ack_start(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	ack_attr(&a, NLMSGERR_ATTR_MSG, unterminated, sizeof(unterminated));
	EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	/* An attribute longer than the message: not parsed at all. */
	ack_start(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	at = ack_attr(&a, NLMSGERR_ATTR_MSG, "abc", 4);
	at->nla_len = 200;
	EXPECT_EQ(-EINVAL, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	/* Bounds too short for a u64: the text without them. */
	ack_start(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	ack_attr(&a, NLMSGERR_ATTR_MSG, "abc", 4);
	at = ack_attr(&a, NLMSGERR_ATTR_POLICY, NULL, 0);
	ack_attr(&a, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, &(uint32_t){ 1 }, 4);
	ack_attr(&a, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, &(uint32_t){ 2 }, 4);
	at->nla_len = a.b + a.len - (char *)at;
	EXPECT_EQ(-EINVAL, ack_parse(&a, a.len, msg, sizeof(msg)));
	EXPECT_STREQ("abc", msg);
}

TEST(an_error_code_that_is_no_errno_is_refused)
{
	static const int bad[] = { 0, 1, EINVAL, -4096, -2147483647 - 1 };
	struct ack a;
	char msg[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ack_start(&a, bad[i], 0);
		EXPECT_EQ(-EPROTO, ack_parse(&a, a.len, msg, sizeof(msg)));
	}
	ack_start(&a, -4095, 0);
	EXPECT_EQ(-4095, ack_parse(&a, a.len, msg, sizeof(msg)));
}

/* scavctl's escaping */

/* ESC, BEL, a newline, a quote, a backslash and a byte that is not UTF-8. */
static const char hostile[] = "a\033[2J\a\n\"\\\xff" "z";

TEST(text_escaping_leaves_printable_ascii_alone)
{
	char buf[SCAVCTL_ESC_TEXT_SIZE(sizeof(hostile))];

	EXPECT_STREQ("a\\x1b[2J\\x07\\x0a\"\\\\\\xffz",
		     scavctl_esc_text(hostile, buf, sizeof(buf)));
	/* Non-ASCII is shown by its bytes, UTF-8 or not. */
	EXPECT_STREQ("caf\\xc3\\xa9 \\x7f", scavctl_esc_text("caf\xc3\xa9 \x7f", buf, sizeof(buf)));
	EXPECT_STREQ("ps -ef", scavctl_esc_text("ps -ef", buf, sizeof(buf)));
	/* Cut before an escape that does not fit, never inside it. */
	EXPECT_STREQ("ab", scavctl_esc_text("ab\033c", buf, 6));
	EXPECT_STREQ("ab\\x1b", scavctl_esc_text("ab\033c", buf, 7));
	EXPECT_STREQ("", scavctl_esc_text("\\", buf, 2));
}

TEST(json_escaping_follows_rfc_8259)
{
	char buf[SCAVCTL_ESC_JSON_SIZE(32)];

	EXPECT_STREQ("\"a\\u001b[2J\\u0007\\u000a\\\"\\\\\\ufffdz\"",
		     scavctl_esc_json(hostile, buf, sizeof(buf)));
	/* Valid UTF-8 as it is, its control characters escaped. */
	EXPECT_STREQ("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		     scavctl_esc_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", buf, sizeof(buf)));
	EXPECT_STREQ("\"\\u007f\\u009b\\u001f\"", scavctl_esc_json("\x7f\xc2\x9b\x1f", buf, sizeof(buf)));
	/* Overlong, surrogate, past U+10FFFF, cut short: each byte replaced. */
	EXPECT_STREQ("\"\\ufffd\\ufffd\"", scavctl_esc_json("\xc0\xaf", buf, sizeof(buf)));
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\"", scavctl_esc_json("\xed\xa0\x80", buf, sizeof(buf)));
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		     scavctl_esc_json("\xf4\x90\x80\x80", buf, sizeof(buf)));
	EXPECT_STREQ("\"\\ufffd\\ufffdx\"", scavctl_esc_json("\xe2\x82x", buf, sizeof(buf)));
	/* Too small a buffer: cut at a whole escape, and closed. */
	EXPECT_STREQ("\"ab\"", scavctl_esc_json("ab\033", buf, 9));
	EXPECT_STREQ("\"ab\\u001b\"", scavctl_esc_json("ab\033", buf, 11));
	EXPECT_STREQ("\"\"", scavctl_esc_json("abc", buf, 3));
}

/*
 * A label value of Prometheus's text format: only \\, \" and \n exist there,
 * so a byte that must not be shown raw becomes the text \xNN of the value,
 * and a backslash doubles in the value so that \xNN cannot be forged.
 */
TEST(prometheus_label_values_are_utf8_and_read_back)
{
	char buf[SCAVCTL_ESC_PROM_SIZE(32)];

	EXPECT_STREQ("a\\\\x1b[2J\\\\x07\\\\x0a\\\"\\\\\\\\\\\\xffz",
		     scavctl_esc_prom(hostile, buf, sizeof(buf)));
	/* Valid UTF-8 as it is, its control characters (C0, DEL, C1) not. */
	EXPECT_STREQ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		     scavctl_esc_prom("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", buf, sizeof(buf)));
	EXPECT_STREQ("\\\\x7f\\\\xc2\\\\x9b\\\\x1f", scavctl_esc_prom("\x7f\xc2\x9b\x1f", buf, sizeof(buf)));
	/* Overlong or cut short: byte by byte. */
	EXPECT_STREQ("\\\\xc0\\\\xaf", scavctl_esc_prom("\xc0\xaf", buf, sizeof(buf)));
	EXPECT_STREQ("\\\\xe2\\\\x82x", scavctl_esc_prom("\xe2\x82x", buf, sizeof(buf)));
	/* Cut before an escape that does not fit, never inside it. */
	EXPECT_STREQ("ab", scavctl_esc_prom("ab\033c", buf, 7));
	EXPECT_STREQ("ab\\\\x1b", scavctl_esc_prom("ab\033c", buf, 8));
	EXPECT_STREQ("", scavctl_esc_prom("\\", buf, 4));
	EXPECT_STREQ("\\\\\\\\", scavctl_esc_prom("\\", buf, 5));
}

/* Back from \xNN and \\ to bytes; -1 if @s holds anything else escaped. */
static int unescape_text(const char *s, char *out)
{
	unsigned int v;

	for (; *s; out++) {
		if (*s < 0x20 || *s >= 0x7f)
			return -1;
		if (*s != '\\') {
			*out = *s++;
		} else if (s[1] == '\\') {
			*out = '\\';
			s += 2;
		} else if (s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1) {
			*out = v;
			s += 4;
		} else {
			return -1;
		}
	}
	*out = '\0';
	return 0;
}

/*
 * Random process names (up to 15 bytes, as a process can set): the text
 * form is printable ASCII and reads back to the name; the JSON form has no
 * control byte, parses as strict JSON in valid UTF-8, and gives the name
 * back unless a byte had to be replaced by U+FFFD.
 */
TEST(every_name_escapes_to_safe_text_and_valid_json)
{
	unsigned int seed = time(NULL), i, j;
	struct json_tokener *tok = json_tokener_new();
	char text[SCAVCTL_ESC_TEXT_SIZE(16)], js[SCAVCTL_ESC_JSON_SIZE(16)], back[16];
	unsigned char name[16];

	ASSERT_NE(NULL, tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	TH_LOG("seed %u", seed);
	srandom(seed);
	for (i = 0; i < 20000; i++) {
		json_object *o;
		size_t len = 1 + random() % 15;

		for (j = 0; j < len; j++) {
			/* Half the names from the bytes that matter most. */
			static const unsigned char pick[] = "\033\a\n\"\\\x7f\x80\xc2\xe2\xed\xf0\xff";

			name[j] = i % 2 ? 1 + random() % 255 : pick[random() % (sizeof(pick) - 1)];
		}
		name[len] = '\0';
		scavctl_esc_text((const char *)name, text, sizeof(text));
		ASSERT_EQ(0, unescape_text(text, back));
		ASSERT_STREQ((const char *)name, back);

		scavctl_esc_json((const char *)name, js, sizeof(js));
		for (j = 0; js[j]; j++)
			ASSERT_LE(0x20, (unsigned char)js[j]);
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, js, strlen(js));
		ASSERT_NE(NULL, o);
		ASSERT_TRUE(json_object_is_type(o, json_type_string));
		if (!strstr(json_object_get_string(o), "\xef\xbf\xbd"))
			ASSERT_STREQ((const char *)name, json_object_get_string(o));
		json_object_put(o);
	}
	json_tokener_free(tok);
}

TEST_HARNESS_MAIN
