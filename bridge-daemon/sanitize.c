#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

/* Length of the well-formed UTF-8 sequence at S and its code point, or 0. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t min;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		*cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		*cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		/* the terminating NUL fails this test, so we never read past it */
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
		return 0;
	}
	return len;
}

static bool is_forbidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	       /* bidi embeddings, overrides and isolates: they can make a
		* title read as something else */
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       /* line and paragraph separators */
	       cp == 0x2028 || cp == 0x2029;
}

bool bridge_utf8_valid(const char *untrusted)
{
	const unsigned char *s = (const unsigned char *)untrusted;
	while (*s) {
		uint32_t cp;
		size_t len = utf8_decode(s, &cp);
		if (len == 0) {
			return false;
		}
		s += len;
	}
	return true;
}

char *bridge_sanitize_text(const char *untrusted, size_t max_bytes)
{
	const unsigned char *s = (const unsigned char *)untrusted;
	size_t in_len = strlen(untrusted);
	size_t cap = in_len < max_bytes ? in_len : max_bytes;
	char *out = malloc(cap + 1);
	if (!out) {
		return NULL;
	}
	size_t n = 0;
	while (*s) {
		uint32_t cp;
		size_t len = utf8_decode(s, &cp);
		if (len == 0 || is_forbidden(cp)) {
			if (n + 1 > cap) {
				break;
			}
			out[n++] = '_';
			s += len ? len : 1;
			continue;
		}
		if (n + len > cap) {
			break;
		}
		memcpy(out + n, s, len);
		n += len;
		s += len;
	}
	out[n] = '\0';
	return out;
}
