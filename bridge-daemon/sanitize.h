/*
 * Strings from a guest, made safe to show in dom0: the policy of Qubes'
 * gui-daemon (valid UTF-8 only, no control characters, a length cap).
 */
#ifndef BRIDGE_SANITIZE_H
#define BRIDGE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* True if UNTRUSTED is well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
bool bridge_utf8_valid(const char *untrusted);

/* A new string holding UNTRUSTED with every byte of an invalid sequence and
 * every control or bidirectional-override character replaced by '_', cut
 * at a character boundary to at most MAX_BYTES bytes. NULL on no memory. */
char *bridge_sanitize_text(const char *untrusted, size_t max_bytes);

#endif
