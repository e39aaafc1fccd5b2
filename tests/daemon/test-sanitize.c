/*
 * The sanitize block for strings: valid UTF-8 only, no control or
 * bidi-override characters, a length cap at a character boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

static int failures;

static void expect_text(const char *in, size_t cap, const char *want)
{
	char *got = bridge_sanitize_text(in, cap);
	if (!got || strcmp(got, want) != 0) {
		fprintf(stderr, "FAIL: sanitize(\"%s\", %zu) = \"%s\", expected \"%s\"\n", in, cap,
			got ? got : "(null)", want);
		failures++;
	}
	free(got);
}

static void expect_valid(const char *in, int want)
{
	if (bridge_utf8_valid(in) != want) {
		fprintf(stderr, "FAIL: utf8_valid(\"%s\") != %d\n", in, want);
		failures++;
	}
}

int main(void)
{
	/* plain and multilingual text passes untouched */
	expect_text("Terminal", 64, "Terminal");
	expect_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 64,
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* control characters: C0, DEL, C1 (U+0085) */
	expect_text("a\tb\nc\x1b[31m", 64, "a_b_c_[31m");
	expect_text("x\x7fy", 64, "x_y");
	expect_text("x\xc2\x85y", 64, "x_y");
	/* bidi overrides and isolates: a title cannot read backwards */
	expect_text("evil\xe2\x80\xaegpj.exe", 64, "evil_gpj.exe");
	expect_text("a\xe2\x81\xa6"
		    "b",
		64, "a_b");
	/* invalid UTF-8: each bad byte becomes one '_' */
	expect_text("bad\xff\xfe", 64, "bad__");
	expect_text("trunc\xe2\x82", 64, "trunc__");
	expect_text("overlong\xc0\xaf", 64, "overlong__");
	expect_text("surrogate\xed\xa0\x80", 64, "surrogate___");
	expect_text("big\xf4\x90\x80\x80", 64, "big____");
	/* the cap cuts at a character boundary */
	expect_text("abcdef", 4, "abcd");
	expect_text("ab\xc3\xa9", 3, "ab");
	expect_text("", 4, "");

	expect_valid("hello", 1);
	expect_valid("\xc3\xa9", 1);
	expect_valid("\xc3\x28", 0);
	expect_valid("\xc0\x80", 0);
	expect_valid("\xed\xa0\x80", 0);
	expect_valid("\xf4\x90\x80\x80", 0);

	/* a long hostile title stays bounded */
	char *big = malloc(1 << 20);
	memset(big, 'A', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	char *out = bridge_sanitize_text(big, 256);
	if (!out || strlen(out) != 256) {
		fprintf(stderr, "FAIL: long title not capped\n");
		failures++;
	}
	free(out);
	free(big);
	return failures ? 1 : 0;
}
